/**
 * P2: latency of a warm `check` (answered by the read cache in Redis) against
 * the floor it sits on, a raw ioredis GET of one key, and against asking
 * OpenFGA with @openfga/sdk.
 */
import { Redis } from 'ioredis';
import type { Benchmark } from './support/benchmark';
import { duration, latency } from './support/format';
import { summarize } from './support/percentiles';
import { commandDelta, commandStats } from './support/redis-info';
import { atLeast, atMost } from './support/result';
import { interleave } from './support/sampler';

const WARMUP = 500;

export const p2: Benchmark = {
  id: 'P2',
  title: 'warm check latency',
  async run(ctx) {
    const store = await ctx.newStore('p2');
    const { service, core } = ctx.openService(store);
    const t = { user: 'user:p2', relation: 'viewer', object: 'document:p2' };
    await service.grant(t.user, t.relation, t.object);
    const flushed = await service.flush();
    if (flushed.writes !== 1) throw new Error(`setup: flush wrote ${flushed.writes} tuples, expected 1`);
    if (!(await service.check(t.user, t.relation, t.object))) throw new Error('setup: check denied a granted tuple');
    const warm = await core.read.lookup(t, core.read.scope.forRead(t));
    if (warm.source !== 'cache') throw new Error(`setup: the check is answered by "${warm.source}", not by the cache`);

    // The GET baseline gets its own connection, as the service has its own.
    const raw = new Redis(ctx.redisUrl);
    ctx.defer(() => raw.quit());
    await raw.set('bench:p2:get', '1|3|3|0');
    const sdk = ctx.sdk();
    const body = { tuple_key: t, authorization_model_id: store.modelId };
    if ((await sdk.check(store.storeId, body)).allowed !== true) throw new Error('setup: OpenFGA denies the granted tuple');

    const plan = ctx.quick ? { rounds: 30, fast: 200, sdk: 20 } : { rounds: 80, fast: 500, sdk: 40 };
    const statsBefore = await commandStats(ctx.redis);
    const samples = await interleave(
      [
        { name: 'check', perRound: plan.fast, warmup: WARMUP, run: () => service.check(t.user, t.relation, t.object) },
        { name: 'get', perRound: plan.fast, warmup: 500, run: () => raw.get('bench:p2:get') },
        { name: 'sdk', perRound: plan.sdk, warmup: 50, run: () => sdk.check(store.storeId, body) },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const statsAfter = await commandStats(ctx.redis);
    const check = summarize(samples.get('check')!);
    // Warm checks are one EVALSHA each (the read script); OpenFGA and the populate script are never reached.
    const checks = samples.get('check')!.length + WARMUP;
    const evalsha = commandDelta(statsBefore, statsAfter, 'evalsha');
    const get = summarize(samples.get('get')!);
    const direct = summarize(samples.get('sdk')!);
    return {
      summary: `check ${latency(check)} (${(evalsha.calls / checks).toFixed(2)} EVALSHA/check, ${duration(evalsha.usecPerCall)} in Redis); GET ${latency(get)}; SDK check ${latency(direct)}`,
      checks: [atMost('of GET at p50', check.p50 / get.p50, 1.5), atLeast('faster than SDK check at p50', direct.p50 / check.p50, 10)],
      figures: {
        checkUs: check,
        getUs: get,
        sdkCheckUs: direct,
        evalshaPerCheck: evalsha.calls / checks,
        redisUsecPerCheck: evalsha.usecPerCall,
      },
    };
  },
};
