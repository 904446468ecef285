/**
 * P12: `batchCheck` of 50 warm checks (every answer in the read cache: one
 * MGET) against the same 50 asked one after another with @openfga/sdk
 * Check, the way code without batchCheck would. Target: at least 10x faster.
 */
import type { Tuple } from '../src/tuple/tuple';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { atLeast } from './support/result';
import { interleave } from './support/sampler';

const N = 50;

export const p12: Benchmark = {
  id: 'P12',
  title: 'batchCheck of 50 warm checks vs 50 sequential SDK checks',
  async run(ctx) {
    const store = await ctx.newStore('p12');
    const { service } = ctx.openService(store);
    const items: Tuple[] = Array.from({ length: N }, (_, i) => ({
      user: `user:p12-${i}`,
      relation: 'viewer',
      object: `document:p12-${i % 10}`,
    }));
    await service.grantMany(items.filter((_, i) => i % 2 === 0));
    await service.flush();
    const expected = items.map((_, i) => i % 2 === 0);
    const first = await service.batchCheck(items);
    if (first.some((a, i) => a.allowed !== expected[i])) throw new Error('setup: batchCheck answers differ from the grants');
    let sources: string[] = [];
    service.events.on('checked', (p) => sources.push(p.source));
    await service.batchCheck(items);
    if (sources.some((s) => s !== 'cache')) throw new Error(`setup: warm batch not all from the cache: ${sources.join(',')}`);
    sources = [];
    const sdk = ctx.sdk();
    const sequential = async () => {
      for (const t of items) await sdk.check(store.storeId, { tuple_key: t, authorization_model_id: store.modelId });
    };

    const plan = ctx.quick ? { rounds: 10, batch: 20, sdk: 2 } : { rounds: 30, batch: 40, sdk: 4 };
    const samples = await interleave(
      [
        { name: 'batch', perRound: plan.batch, warmup: 20, run: () => service.batchCheck(items) },
        { name: 'sdk', perRound: plan.sdk, warmup: 2, run: sequential },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const batch = summarize(samples.get('batch')!);
    const seq = summarize(samples.get('sdk')!);
    return {
      summary: `batchCheck(50 warm) ${latency(batch)}; 50 sequential SDK checks ${latency(seq)}`,
      checks: [atLeast('faster than 50 sequential SDK checks at p50', seq.p50 / batch.p50, 10)],
      figures: { batchUs: batch, sequentialSdkUs: seq },
    };
  },
};
