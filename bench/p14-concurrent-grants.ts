/**
 * P14: grants per second from one process with 64 callers in flight (each
 * awaiting its own `grant`), against SETs per second through the module's
 * own ioredis client with 64 in flight: the same client, the same socket,
 * so the ratio is what a grant costs beyond the cheapest write there is.
 */
import type { Benchmark } from './support/benchmark';
import { rate } from './support/format';
import { median } from './support/percentiles';
import { atLeast } from './support/result';
import { benchTuple } from './support/tuples';
import { uniqueIndex } from './support/sampler';

const IN_FLIGHT = 64;

/** `ops` calls of `call`, `IN_FLIGHT` callers at a time; returns calls per second. */
async function concurrentRate(ops: number, call: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < ops) {
        next++;
        await call(uniqueIndex());
      }
    }),
  );
  return ops / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export const p14: Benchmark = {
  id: 'P14',
  title: 'concurrent grants (64 in flight)',
  async run(ctx) {
    const { service, core } = ctx.openService(await ctx.newStore('p14'));
    const redis = core.redis;
    const plan = ctx.quick ? { rounds: 6, ops: 4000 } : { rounds: 16, ops: 10_000 };
    const grant = (i: number) => {
      const t = benchTuple('p14', i);
      return service.grant(t.user, t.relation, t.object);
    };
    const set = (i: number) => redis.set(`${core.options.prefix}:bench:p14:${i}`, 'w|1|0');
    await concurrentRate(1000, grant);
    await concurrentRate(1000, set);
    const grants: number[] = [];
    const sets: number[] = [];
    const started = Date.now();
    for (let round = 0; round < plan.rounds; round++) {
      if (round > 0 && Date.now() - started > (ctx.quick ? 15_000 : 90_000)) break;
      for (const which of round % 2 === 0 ? (['grant', 'set'] as const) : (['set', 'grant'] as const)) {
        if (which === 'grant') grants.push(await concurrentRate(plan.ops, grant));
        else sets.push(await concurrentRate(plan.ops, set));
      }
    }
    const grantRate = median(grants);
    const setRate = median(sets);
    return {
      summary: `grant ${rate(grantRate)}; SET ${rate(setRate)} (same client, ${IN_FLIGHT} in flight, ${plan.ops} calls x ${grants.length} rounds)`,
      checks: [atLeast('of SETs/s', grantRate / setRate, 0.5)],
      figures: { inFlight: IN_FLIGHT, grantsPerSec: grants, setsPerSec: sets },
    };
  },
};
