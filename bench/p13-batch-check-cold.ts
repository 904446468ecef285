/**
 * P13: `batchCheck` of 50 cold checks (none cached: one MGET, the misses'
 * snapshots, one OpenFGA BatchCheck, the answers cached) against one
 * @openfga/sdk BatchCheck of the same 50. Each sample asks 50 tuples never
 * asked before (half of their objects granted and flushed), so both sides
 * are cold. Target: at most 1.2x the SDK's time.
 */
import type { BatchCheckItem } from '../src/openfga.service';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { atMost } from './support/result';
import { interleave } from './support/sampler';

const N = 50;
const OBJECTS = 10;

export const p13: Benchmark = {
  id: 'P13',
  title: 'batchCheck of 50 cold checks vs one SDK BatchCheck of the same 50',
  async run(ctx) {
    const store = await ctx.newStore('p13');
    const { service } = ctx.openService(store);
    // Viewers through a group: each check is a real resolution in OpenFGA, on both sides.
    await service.grantMany(
      Array.from({ length: OBJECTS }, (_, k) => ({ user: 'group:p13#member', relation: 'viewer', object: `document:p13-${k}` })),
    );
    await service.flush();
    const items = (i: number): BatchCheckItem[] =>
      Array.from({ length: N }, (_, k) => ({ user: `user:p13-${i}-${k}`, relation: 'viewer', object: `document:p13-${k % OBJECTS}` }));
    const sources: string[] = [];
    service.events.on('checked', (p) => sources.push(p.source));
    const sdk = ctx.sdk();
    const sdkBatch = (i: number) =>
      sdk.batchCheck(store.storeId, {
        authorization_model_id: store.modelId,
        checks: items(i).map((t, k) => ({
          tuple_key: { user: t.user, relation: t.relation, object: t.object },
          correlation_id: String(k),
        })),
      });
    const probe = await sdkBatch(-1);
    if (Object.keys(probe.result ?? {}).length !== N) throw new Error('setup: the SDK BatchCheck did not answer every check');

    const plan = ctx.quick ? { rounds: 10, per: 5 } : { rounds: 30, per: 10 };
    const samples = await interleave(
      [
        { name: 'batch', perRound: plan.per, warmup: 5, run: (i) => service.batchCheck(items(i)) },
        { name: 'sdk', perRound: plan.per, warmup: 5, run: (i) => sdkBatch(i) },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    if (sources.some((s) => s !== 'openfga')) throw new Error('cold batch answered from the cache or failed');
    const batch = summarize(samples.get('batch')!);
    const direct = summarize(samples.get('sdk')!);
    return {
      summary: `batchCheck(50 cold) ${latency(batch)}; SDK BatchCheck(50) ${latency(direct)}`,
      checks: [atMost('of one SDK BatchCheck at p50', batch.p50 / direct.p50, 1.2)],
      figures: { batchUs: batch, sdkBatchUs: direct },
    };
  },
};
