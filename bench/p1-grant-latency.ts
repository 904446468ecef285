/**
 * P1: latency of a buffered `grant` (one Redis round trip) against writing the
 * same kind of tuple straight to OpenFGA with @openfga/sdk.
 */
import type { Benchmark } from './support/benchmark';
import { duration, latency } from './support/format';
import { summarize } from './support/percentiles';
import { commandDelta, commandStats } from './support/redis-info';
import { atLeast } from './support/result';
import { interleave } from './support/sampler';
import { benchTuple } from './support/tuples';

const WARMUP = 200;

export const p1: Benchmark = {
  id: 'P1',
  title: 'grant latency',
  async run(ctx) {
    const store = await ctx.newStore('p1');
    const { service } = ctx.openService(store);
    const sdk = ctx.sdk();
    const plan = ctx.quick ? { rounds: 30, grant: 100, sdk: 10 } : { rounds: 80, grant: 250, sdk: 25 };

    const statsBefore = await commandStats(ctx.redis);
    const samples = await interleave(
      [
        {
          name: 'grant',
          perRound: plan.grant,
          warmup: WARMUP,
          run: (i) => {
            const t = benchTuple('p1-grant', i);
            return service.grant(t.user, t.relation, t.object);
          },
        },
        {
          name: 'sdk',
          perRound: plan.sdk,
          warmup: 20,
          run: (i) =>
            sdk.write(store.storeId, { writes: { tuple_keys: [benchTuple('p1-sdk', i)] }, authorization_model_id: store.modelId }),
        },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const statsAfter = await commandStats(ctx.redis);
    const grant = summarize(samples.get('grant')!);
    // Every grant (warm-up included) should be exactly one EVALSHA: one round trip, no EVAL fallback.
    const grants = samples.get('grant')!.length + WARMUP;
    const evalsha = commandDelta(statsBefore, statsAfter, 'evalsha');
    const evals = commandDelta(statsBefore, statsAfter, 'eval');
    const direct = summarize(samples.get('sdk')!);
    return {
      summary: `grant ${latency(grant)} (n=${grant.n}, ${(evalsha.calls / grants).toFixed(2)} EVALSHA/grant, ${duration(evalsha.usecPerCall)} in Redis); SDK write ${latency(direct)} (n=${direct.n})`,
      checks: [atLeast('faster than SDK write at p50', direct.p50 / grant.p50, 30)],
      figures: {
        grantUs: grant,
        sdkWriteUs: direct,
        p99Ratio: direct.p99 / grant.p99,
        evalshaPerGrant: evalsha.calls / grants,
        evalPerGrant: evals.calls / grants,
        redisUsecPerGrant: evalsha.usecPerCall,
      },
    };
  },
};
