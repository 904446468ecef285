/**
 * P7: throughput of `grantMany(1000)` (validation + one atomic Lua step that
 * appends, coalesces and invalidates) against the cheapest raw way to put
 * 1000 tuples into Redis: one ioredis pipeline of 1000 HSETs.
 *
 * Then the stall of a large call: the slowest PING another process sees while
 * `grantMany` of 10,000 (full: also 100,000) tuples runs in script calls of
 * 1,000, against the same tuples enqueued in one script (as before chunking);
 * the median of 3 (full: 5) interleaved repetitions.
 */
import { Redis } from 'ioredis';
import { LuaScripts } from '../src/redis/lua-scripts';
import { WriteBuffer } from '../src/buffer/write-buffer';
import { measureStall } from '../test/support/faults/redis-stall';
import type { Benchmark } from './support/benchmark';
import type { BenchService } from './support/context';
import { duration, rate } from './support/format';
import { summarize } from './support/percentiles';
import { commandDelta, commandStats } from './support/redis-info';
import { atLeast, atMost } from './support/result';
import { interleave } from './support/sampler';
import { benchTuples } from './support/tuples';

const BATCH = 1000;

interface StallFigures {
  tuples: number;
  oneScriptMaxPingMs: number;
  chunkedMaxPingMs: number;
}

export const p7: Benchmark = {
  id: 'P7',
  title: 'grantMany(1000) throughput',
  async run(ctx) {
    const store = await ctx.newStore('p7');
    const opened = ctx.openService(store);
    const { service } = opened;
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
    const stalls = await largeCallStalls(opened, ctx.redisUrl, ctx.quick ? [10_000] : [10_000, 100_000], ctx.quick ? 3 : 5);
    const stallText = stalls
      .map((s) => `${s.tuples}: other client waits ${s.chunkedMaxPingMs.toFixed(1)} ms (one script ${s.oneScriptMaxPingMs.toFixed(1)} ms)`)
      .join(', ');
    return {
      summary: `grantMany ${rate(manyRate)} (p50 ${duration(many.p50)}/call, ${duration(evalsha.usecPerCall)} of it in Redis); pipeline ${rate(pipeRate)} (p50 ${duration(pipe.p50)}/call), n=${many.n}; large grantMany ${stallText}`,
      checks: [
        atLeast('of pipeline ops/s', manyRate / pipeRate, 0.5),
        ...stalls.map((s) => atMost(`of the one-script stall (${s.tuples} tuples)`, s.chunkedMaxPingMs / s.oneScriptMaxPingMs, 0.5)),
      ],
      figures: {
        batch: BATCH,
        grantManyCallUs: many,
        pipelineCallUs: pipe,
        grantManyOpsPerSec: manyRate,
        pipelineOpsPerSec: pipeRate,
        redisUsecPerGrantManyCall: evalsha.usecPerCall,
        largeCallStalls: stalls,
      },
    };
  },
};

/**
 * The slowest PING of another process during a large grantMany, chunked and
 * (baseline) as one script; the median over interleaved repetitions, as one
 * preempted Redis process makes a single maximum meaningless.
 */
async function largeCallStalls({ service, core }: BenchService, redisUrl: string, sizes: number[], reps: number): Promise<StallFigures[]> {
  const oneScript = new WriteBuffer(core.redis, new LuaScripts(core.redis), core.buffer.keys, undefined, { enqueueChunk: Infinity });
  const out: StallFigures[] = [];
  for (const n of sizes) {
    const tuples = benchTuples(`p7-stall-${n}`, 0, n);
    const before: number[] = [];
    const after: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      await core.buffer.clear();
      before.push((await measureStall(redisUrl, () => oneScript.enqueue(tuples.map((t) => ({ kind: 'grant', ...t }))))).maxMs);
      await core.buffer.clear();
      after.push((await measureStall(redisUrl, () => service.grantMany(tuples))).maxMs);
    }
    await core.buffer.clear();
    out.push({ tuples: n, oneScriptMaxPingMs: median(before), chunkedMaxPingMs: median(after) });
  }
  return out;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
