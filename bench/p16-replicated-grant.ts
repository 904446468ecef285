/**
 * P16: latency of a `grant` with replicated acknowledgement (`acknowledge:
 * { replicas: 1 }`, Redis WAIT on a primary with one replica) against the same
 * grant without it (`replicas: 0`), same primary, same run. The floor is a
 * second round trip (the replica's acknowledgement): target ≤ 2.5×.
 */
import { redisCli } from '../test/support/harness/sentinel';
import { startRedis } from '../test/support/harness/servers';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { atMost } from './support/result';
import { interleave } from './support/sampler';
import { benchTuple } from './support/tuples';

const WARMUP = 200;

export const p16: Benchmark = {
  id: 'P16',
  title: 'grant with replicated acknowledgement',
  async run(ctx) {
    const primary = await startRedis();
    ctx.defer(() => primary.stop());
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    ctx.defer(() => replica.stop());
    for (let i = 0; i < 100 && !redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const store = await ctx.newStore('p16');
    const plain = ctx.openService(store, { redis: primary.url, acknowledge: { replicas: 0 } }).service;
    const replicated = ctx.openService(store, { redis: primary.url, acknowledge: { replicas: 1, timeout: 2 } }).service;
    const plan = ctx.quick ? { rounds: 30, perRound: 100 } : { rounds: 80, perRound: 250 };
    const samples = await interleave(
      [
        {
          name: 'plain',
          perRound: plan.perRound,
          warmup: WARMUP,
          run: (i) => {
            const t = benchTuple('p16-plain', i);
            return plain.grant(t.user, t.relation, t.object);
          },
        },
        {
          name: 'replicated',
          perRound: plan.perRound,
          warmup: WARMUP,
          run: (i) => {
            const t = benchTuple('p16-repl', i);
            return replicated.grant(t.user, t.relation, t.object);
          },
        },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const without = summarize(samples.get('plain')!);
    const withAck = summarize(samples.get('replicated')!);
    const ratio = withAck.p50 / without.p50;
    return {
      summary: `grant with replicas: 1 ${latency(withAck)} vs without ${latency(without)} (n=${withAck.n}/${without.n}): ${ratio.toFixed(2)}x at p50`,
      checks: [atMost('replicated / plain grant at p50', ratio, 2.5)],
      figures: { plainUs: without, replicatedUs: withAck, ratio },
    };
  },
};
