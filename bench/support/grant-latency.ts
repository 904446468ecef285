/**
 * What P1 and P1PG share: `grant` latency interleaved with a bare ioredis GET
 * (the floor under any grant) and with single-tuple @openfga/sdk writes to
 * one or more OpenFGA servers, plus Redis's own count of EVALSHA per grant.
 */
import type { OpenFgaApi } from '@openfga/sdk';
import { Redis } from 'ioredis';
import type { TestStore } from '../../test/support/harness/store';
import type { BenchContext } from './context';
import { duration, latency } from './format';
import { LatencySummary, summarize } from './percentiles';
import { commandDelta, commandStats } from './redis-info';
import { Contender, interleave } from './sampler';
import { benchTuple } from './tuples';

const WARMUP = 200;

/** An OpenFGA to write the baseline tuples to. */
export interface SdkWriteTarget {
  name: string;
  sdk: OpenFgaApi;
  store: TestStore;
}

export interface GrantLatency {
  grant: LatencySummary;
  get: LatencySummary;
  /** SDK write latency, by target name. */
  writes: Map<string, LatencySummary>;
  /** Should be 1.00: one round trip per grant, no EVAL fallback. */
  evalshaPerGrant: number;
  evalPerGrant: number;
  redisUsecPerGrant: number;
}

export async function measureGrantLatency(ctx: BenchContext, tag: string, targets: readonly SdkWriteTarget[]): Promise<GrantLatency> {
  const store = await ctx.newStore(tag);
  const { service } = ctx.openService(store);
  // The GET baseline gets its own connection, as the service has its own.
  const raw = new Redis(ctx.redisUrl);
  ctx.defer(() => raw.quit());
  const plan = ctx.quick ? { rounds: 30, grant: 100, sdk: 10 } : { rounds: 80, grant: 250, sdk: 25 };
  const writers: Contender[] = targets.map((target) => ({
    name: `sdk:${target.name}`,
    perRound: plan.sdk,
    warmup: 20,
    run: (i) =>
      target.sdk.write(target.store.storeId, {
        writes: { tuple_keys: [benchTuple(`${tag}-${target.name}`, i)] },
        authorization_model_id: target.store.modelId,
      }),
  }));

  const statsBefore = await commandStats(ctx.redis);
  const samples = await interleave(
    [
      {
        name: 'grant',
        perRound: plan.grant,
        warmup: WARMUP,
        run: (i) => {
          const t = benchTuple(`${tag}-grant`, i);
          return service.grant(t.user, t.relation, t.object);
        },
      },
      ...writers,
      { name: 'get', perRound: plan.grant, warmup: WARMUP, run: () => raw.get(`bench:${tag}:get`) },
    ],
    { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
  );
  const statsAfter = await commandStats(ctx.redis);
  const grants = samples.get('grant')!.length + WARMUP;
  const evalsha = commandDelta(statsBefore, statsAfter, 'evalsha');
  const evals = commandDelta(statsBefore, statsAfter, 'eval');
  return {
    grant: summarize(samples.get('grant')!),
    get: summarize(samples.get('get')!),
    writes: new Map(targets.map((t) => [t.name, summarize(samples.get(`sdk:${t.name}`)!)])),
    evalshaPerGrant: evalsha.calls / grants,
    evalPerGrant: evals.calls / grants,
    redisUsecPerGrant: evalsha.usecPerCall,
  };
}

/** "grant p50 … p99 … (n=…, 1.00 EVALSHA/grant, 21 µs in Redis)" */
export function grantText(m: GrantLatency): string {
  return `grant ${latency(m.grant)} (n=${m.grant.n}, ${m.evalshaPerGrant.toFixed(2)} EVALSHA/grant, ${duration(m.redisUsecPerGrant)} in Redis)`;
}

/** The figures both benchmarks store. */
export function grantFigures(m: GrantLatency): Record<string, unknown> {
  return {
    grantUs: m.grant,
    getUs: m.get,
    evalshaPerGrant: m.evalshaPerGrant,
    evalPerGrant: m.evalPerGrant,
    redisUsecPerGrant: m.redisUsecPerGrant,
  };
}
