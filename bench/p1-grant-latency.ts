/**
 * P1: latency of a buffered `grant` (one Redis round trip) against writing the
 * same kind of tuple straight to OpenFGA with @openfga/sdk. The target's
 * baseline is the in-memory OpenFGA the harness runs, the fastest OpenFGA can
 * be; two more figures put the ratio in context (not targets): the floor
 * under any grant, a bare ioredis GET round trip, and the same SDK write to
 * an OpenFGA on a durable datastore (SQLite, on this machine's disk).
 */
import { OpenFgaApi } from '@openfga/sdk';
import { Redis } from 'ioredis';
import { startOpenFga } from '../test/support/harness/servers';
import { createStore } from '../test/support/harness/store';
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
    const raw = new Redis(ctx.redisUrl);
    ctx.defer(() => raw.quit());
    const durable = await startOpenFga({ engine: 'sqlite' });
    ctx.defer(() => durable.stop());
    const durableStore = await createStore(durable.apiUrl, 'bench-p1-sqlite');
    const durableSdk = new OpenFgaApi({ apiUrl: durable.apiUrl });
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
        { name: 'get', perRound: plan.grant, warmup: WARMUP, run: () => raw.get('bench:p1:get') },
        {
          name: 'durable',
          perRound: plan.sdk,
          warmup: 20,
          run: (i) =>
            durableSdk.write(durableStore.storeId, {
              writes: { tuple_keys: [benchTuple('p1-durable', i)] },
              authorization_model_id: durableStore.modelId,
            }),
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
    const get = summarize(samples.get('get')!);
    const onDisk = summarize(samples.get('durable')!);
    return {
      summary:
        `grant ${latency(grant)} (n=${grant.n}, ${(evalsha.calls / grants).toFixed(2)} EVALSHA/grant, ${duration(evalsha.usecPerCall)} in Redis); ` +
        `SDK write ${latency(direct)} (n=${direct.n}); context: GET ${latency(get)} (grant ${(grant.p50 / get.p50).toFixed(2)}x), ` +
        `SDK write to OpenFGA on SQLite ${latency(onDisk)} (${(onDisk.p50 / grant.p50).toFixed(1)}x the grant)`,
      checks: [atLeast('faster than SDK write at p50', direct.p50 / grant.p50, 30)],
      figures: {
        grantUs: grant,
        sdkWriteUs: direct,
        getUs: get,
        sqliteSdkWriteUs: onDisk,
        sqliteRatio: onDisk.p50 / grant.p50,
        p99Ratio: direct.p99 / grant.p99,
        evalshaPerGrant: evalsha.calls / grants,
        evalPerGrant: evals.calls / grants,
        redisUsecPerGrant: evalsha.usecPerCall,
      },
    };
  },
};
