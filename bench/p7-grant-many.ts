/**
 * P7: throughput of `grantMany(1000)` (validation + one atomic Lua step that
 * appends, coalesces and invalidates) against the cheapest raw way to put
 * 1000 tuples into Redis: one ioredis pipeline of 1000 HSETs.
 */
import { Redis } from 'ioredis';
import type { Benchmark } from './support/benchmark';
import { duration, rate } from './support/format';
import { summarize } from './support/percentiles';
import { commandDelta, commandStats } from './support/redis-info';
import { atLeast } from './support/result';
import { interleave } from './support/sampler';
import { benchTuples } from './support/tuples';

const BATCH = 1000;

export const p7: Benchmark = {
  id: 'P7',
  title: 'grantMany(1000) throughput',
  async run(ctx) {
    const store = await ctx.newStore('p7');
    const { service } = ctx.openService(store);
    const raw = new Redis(ctx.redisUrl);
    ctx.defer(() => raw.quit());
    const now = Date.now();

    const plan = ctx.quick ? { rounds: 16, perRound: 4 } : { rounds: 30, perRound: 10 };
    const statsBefore = await commandStats(ctx.redis);
    const samples = await interleave(
      [
        { name: 'grantMany', perRound: plan.perRound, warmup: 5, run: (i) => service.grantMany(benchTuples(`p7-many-${i}`, 0, BATCH)) },
        {
          name: 'pipeline',
          perRound: plan.perRound,
          warmup: 5,
          run: (i) => {
            const pipeline = raw.pipeline();
            for (const t of benchTuples(`p7-raw-${i}`, 0, BATCH)) {
              pipeline.hset('bench:p7:{raw}:pending', `${t.user} ${t.relation} ${t.object}`, `w|${i}|${now}|0|`);
            }
            return pipeline.exec();
          },
        },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const statsAfter = await commandStats(ctx.redis);
    const many = summarize(samples.get('grantMany')!);
    // Server-side cost: the enqueue script per grantMany call against the HSETs of one pipeline.
    const evalsha = commandDelta(statsBefore, statsAfter, 'evalsha');
    const pipe = summarize(samples.get('pipeline')!);
    // Throughput from the median call: ops per second of one caller.
    const manyRate = BATCH / (many.p50 / 1e6);
    const pipeRate = BATCH / (pipe.p50 / 1e6);
    return {
      summary: `grantMany ${rate(manyRate)} (p50 ${duration(many.p50)}/call, ${duration(evalsha.usecPerCall)} of it in Redis); pipeline ${rate(pipeRate)} (p50 ${duration(pipe.p50)}/call), n=${many.n}`,
      checks: [atLeast('of pipeline ops/s', manyRate / pipeRate, 0.5)],
      figures: {
        batch: BATCH,
        grantManyCallUs: many,
        pipelineCallUs: pipe,
        grantManyOpsPerSec: manyRate,
        pipelineOpsPerSec: pipeRate,
        redisUsecPerGrantManyCall: evalsha.usecPerCall,
      },
    };
  },
};
