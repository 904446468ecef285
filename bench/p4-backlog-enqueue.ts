/**
 * P4: does enqueueing get slower as the backlog grows? Grant latency on a
 * buffer holding ~1k pending operations against one holding 1M (100k in
 * quick mode). Both buffers live in the same Redis at once (two key
 * prefixes) and are sampled in alternating blocks, so only the backlog differs.
 */
import type { Benchmark } from './support/benchmark';
import { fillBuffer } from './support/fill';
import { bytes, count, latency, rate } from './support/format';
import { summarize } from './support/percentiles';
import { usedMemory } from './support/redis-info';
import { atMost } from './support/result';
import { interleave, uniqueIndex } from './support/sampler';
import { benchTuple } from './support/tuples';

const SMALL = 1000;

export const p4: Benchmark = {
  id: 'P4',
  title: 'enqueue vs backlog',
  async run(ctx) {
    const bigCount = ctx.quick ? 100_000 : 1_000_000;
    const store = await ctx.newStore('p4');
    const smallBuffer = ctx.openService(store);
    const small = smallBuffer.service;
    const big = ctx.openService(store).service;

    const memoryBefore = await usedMemory(ctx.redis);
    const t0 = process.hrtime.bigint();
    await fillBuffer(big, 'p4-big', bigCount);
    const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const bigMemory = (await usedMemory(ctx.redis)) - memoryBefore;
    const pending = (await big.status()).pending.total;
    if (pending !== bigCount) throw new Error(`setup: big backlog holds ${pending} pending, expected ${bigCount}`);

    const plan = ctx.quick ? { rounds: 16, perRound: 200 } : { rounds: 40, perRound: 250 };
    const grant = (service: typeof small, tag: string) => (i: number) => {
      const t = benchTuple(tag, i);
      return service.grant(t.user, t.relation, t.object);
    };
    const samples = await interleave(
      [
        {
          name: 'small',
          perRound: plan.perRound,
          warmup: 200,
          // Back to ~1k pending before every block.
          beforeBlock: async () => {
            await smallBuffer.core.buffer.clear(); // the service's clear() also logs a warning
            await fillBuffer(small, `p4-small-${uniqueIndex()}`, SMALL);
          },
          run: grant(small, 'p4-small'),
        },
        { name: 'big', perRound: plan.perRound, warmup: 200, run: grant(big, 'p4-big-sample') },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const s = summarize(samples.get('small')!);
    const b = summarize(samples.get('big')!);
    const mode = ctx.quick ? ' [quick: big backlog 100k, not 1M]' : '';
    return {
      summary: `${count(SMALL)} pending ${latency(s)}; ${count(bigCount)} pending ${latency(b)}${mode} (fill ${rate(bigCount / fillSeconds)}, ${bytes(bigMemory)})`,
      checks: [atMost(`p50 at ${count(bigCount)} vs ${count(SMALL)}`, b.p50 / s.p50, 1.2)],
      figures: {
        smallBacklog: SMALL,
        bigBacklog: bigCount,
        smallUs: s,
        bigUs: b,
        p99Ratio: b.p99 / s.p99,
        fillOpsPerSec: bigCount / fillSeconds,
        bigBacklogUsedMemoryBytes: bigMemory,
      },
    };
  },
};
