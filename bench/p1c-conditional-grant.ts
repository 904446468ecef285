/**
 * P1C: latency of a conditional `grant` (a time-limited share: condition name
 * and a two-parameter context) against an unconditional `grant` measured in
 * the same run, same service, same store (test/fixtures/temporal-access.fga).
 * Both must stay one Redis round trip (EVALSHA per grant); the conditional one
 * pays for validating the context, checking it against the model and the
 * longer record. The unconditional grant sends exactly what it sent before
 * conditions existed (the op code alone).
 */
import { join } from 'node:path';
import { createStore } from '../test/support/harness/store';
import type { Benchmark } from './support/benchmark';
import { latency } from './support/format';
import { summarize } from './support/percentiles';
import { commandDelta, commandStats } from './support/redis-info';
import { atMost } from './support/result';
import { interleave } from './support/sampler';
import { benchTuple } from './support/tuples';

const MODEL = join(__dirname, '..', 'test', 'fixtures', 'temporal-access.fga');
const WARMUP = 200;

export const p1c: Benchmark = {
  id: 'P1C',
  title: 'conditional grant latency',
  async run(ctx) {
    const store = await createStore(ctx.apiUrl, `bench-p1c-${Date.now() % 100000}`, MODEL);
    const { service } = ctx.openService(store);
    const plan = ctx.quick ? { rounds: 30, perRound: 100 } : { rounds: 80, perRound: 250 };
    const grantTime = new Date().toISOString();
    const before = await commandStats(ctx.redis);
    const samples = await interleave(
      [
        {
          name: 'plain',
          perRound: plan.perRound,
          warmup: WARMUP,
          run: (i) => {
            const t = benchTuple('p1c-plain', i);
            return service.grant(t.user, t.relation, t.object);
          },
        },
        {
          name: 'conditional',
          perRound: plan.perRound,
          warmup: WARMUP,
          run: (i) => {
            const t = benchTuple('p1c-cond', i);
            return service.grant(t.user, t.relation, t.object, {
              condition: { name: 'non_expired_grant', context: { grant_time: grantTime, grant_duration: '24h' } },
            });
          },
        },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 60_000 },
    );
    const after = await commandStats(ctx.redis);
    const plain = summarize(samples.get('plain')!);
    const conditional = summarize(samples.get('conditional')!);
    const grants = samples.get('plain')!.length + samples.get('conditional')!.length + 2 * WARMUP;
    const evalshaPerGrant = commandDelta(before, after, 'evalsha').calls / grants;
    const ratio = conditional.p50 / plain.p50;
    return {
      summary:
        `conditional grant ${latency(conditional)} vs unconditional ${latency(plain)} (n=${conditional.n}/${plain.n}): ` +
        `${ratio.toFixed(2)}x at p50; ${evalshaPerGrant.toFixed(2)} EVALSHA per grant`,
      checks: [atMost('conditional / unconditional grant at p50', ratio, 1.5), atMost('EVALSHA per grant', evalshaPerGrant, 1.05)],
      figures: { plainUs: plain, conditionalUs: conditional, ratio, evalshaPerGrant },
    };
  },
};
