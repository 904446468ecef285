/**
 * P17: a second, busy connection does not slow the first. One Nest app with
 * two named connections to two stores (issue 25): the measured one answers
 * warm checks (as P2) and drains a backlog (as P3), in alternating blocks
 * while the other connection is idle and while it is busy (a steady stream
 * of grants flushed by its own size trigger, and checks). Ratios: the
 * first connection alone against the first connection beside the busy one,
 * in the same run. Each flush runs on a fresh pair of stores, as P3 does:
 * OpenFGA's in-memory datastore writes slower as a store grows (a Write of
 * 100 tuples took 5.5 ms on an empty store and 97 ms on one of 32,000), which
 * in one store drowned the comparison (24.8k ops/s in the first round, 1.2k/s
 * in the eighth).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getOpenFgaServiceToken, OpenFgaModule, OpenFgaService } from '../src';
import type { Benchmark } from './support/benchmark';
import type { BenchContext } from './support/context';
import { fillBuffer } from './support/fill';
import { latency, rate } from './support/format';
import { median, summarize } from './support/percentiles';
import { atLeast } from './support/result';
import { interleave } from './support/sampler';
import { benchTuples } from './support/tuples';

/** The busy connection's stream: this many grants every tick, flushed by its size trigger, and a check per tick. */
const BUSY_GRANTS_PER_TICK = 10;
const BUSY_TICK_MS = 20;
// As P3: a flush of 2,000 ops took about 85 ms on a fresh store, too short a window to resolve 10 % on this VM.
const FLUSH_OPS = 5000;

/** The second connection's load, switched on and off between blocks; every tick is awaited before the next. */
class BusyStream {
  private running?: Promise<void>;
  private stop = false;
  written = 0;

  constructor(private readonly fga: OpenFgaService) {}

  /** Starts the stream and lets it run a few ticks, so a measured block sees it steady. */
  async on(): Promise<void> {
    if (this.running) return;
    this.stop = false;
    this.running = (async () => {
      for (let tick = 0; !this.stop; tick++) {
        const started = Date.now();
        const tuples = benchTuples(`p17-busy-${this.written}`, 0, BUSY_GRANTS_PER_TICK);
        await this.fga.grantMany(tuples);
        await this.fga.check(tuples[0].user, tuples[0].relation, tuples[0].object);
        this.written += tuples.length;
        await new Promise((r) => setTimeout(r, Math.max(0, BUSY_TICK_MS - (Date.now() - started))));
      }
    })();
    await new Promise((r) => setTimeout(r, 5 * BUSY_TICK_MS));
  }

  async off(): Promise<void> {
    this.stop = true;
    await this.running;
    this.running = undefined;
  }
}

export const p17: Benchmark = {
  id: 'P17',
  title: 'a busy second connection',
  async run(ctx) {
    const { first, busy } = await twoConnections(ctx, 'p17');

    // Warm checks on the first connection (as P2).
    const t = { user: 'user:p17', relation: 'viewer', object: 'document:p17' };
    await first.grant(t.user, t.relation, t.object);
    await first.flush();
    if (!(await first.check(t.user, t.relation, t.object))) throw new Error('setup: check denied a granted tuple');
    const plan = ctx.quick ? { rounds: 10, checks: 2000, flushRounds: 4 } : { rounds: 30, checks: 4000, flushRounds: 8 };
    const samples = await interleave(
      [
        {
          name: 'alone',
          perRound: plan.checks,
          warmup: 300,
          beforeBlock: () => busy.off(),
          run: () => first.check(t.user, t.relation, t.object),
        },
        {
          name: 'busy',
          perRound: plan.checks,
          warmup: 0,
          beforeBlock: () => busy.on(),
          run: () => first.check(t.user, t.relation, t.object),
        },
      ],
      { rounds: plan.rounds, budgetMs: ctx.quick ? 10_000 : 40_000 },
    );
    await busy.off();
    const alone = summarize(samples.get('alone')!);
    const beside = summarize(samples.get('busy')!);

    // Flush throughput of the first connection (as P3), alone and beside the busy one, alternating; fresh stores each time.
    const flushRates = { alone: [] as number[], busy: [] as number[] };
    let busyWritten = busy.written;
    for (let round = 0; round < plan.flushRounds; round++) {
      for (const which of round % 2 === 0 ? (['alone', 'busy'] as const) : (['busy', 'alone'] as const)) {
        const pair = await twoConnections(ctx, `p17-${round}-${which}`);
        try {
          await fillBuffer(pair.first, `p17-flush-${round}-${which}`, FLUSH_OPS);
          if (which === 'busy') await pair.busy.on();
          const t0 = process.hrtime.bigint();
          const result = await pair.first.flush();
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          await pair.busy.off();
          busyWritten += pair.busy.written;
          if (result.writes !== FLUSH_OPS) throw new Error(`flush wrote ${result.writes}/${FLUSH_OPS}`);
          flushRates[which].push(FLUSH_OPS / seconds);
        } finally {
          await pair.close();
        }
      }
    }
    const flushAlone = median(flushRates.alone);
    const flushBeside = median(flushRates.busy);
    const busyRate = (BUSY_GRANTS_PER_TICK * 1000) / BUSY_TICK_MS;
    return {
      summary:
        `warm check ${latency(alone)} alone, ${latency(beside)} beside the busy connection; ` +
        `flush ${rate(flushAlone)} alone, ${rate(flushBeside)} beside it (busy: up to ${busyRate} grants/s flushed by its size trigger, ${busyWritten} written)`,
      checks: [
        atLeast('warm check p50, alone / beside a busy connection', alone.p50 / beside.p50, 0.9),
        atLeast('flush rate, beside a busy connection / alone', flushBeside / flushAlone, 0.9),
      ],
      figures: {
        checkAloneUs: alone,
        checkBesideUs: beside,
        flushAlone: flushRates.alone,
        flushBeside: flushRates.busy,
        busyWritten,
      },
    };
  },
};

/**
 * One Nest app with two named connections on two fresh stores: `first` (measured; flushed on demand) and
 * the `busy` stream on the other (its own size trigger flushes it). `close` closes the app; the bench's
 * cleanup also does, for the app that stays open for the warm checks.
 */
async function twoConnections(
  ctx: BenchContext,
  tag: string,
): Promise<{ first: OpenFgaService; busy: BusyStream; close(): Promise<void> }> {
  const [docs, billing] = await Promise.all([ctx.newStore(`${tag}-docs`), ctx.newStore(`${tag}-billing`)]);
  @Module({
    imports: [
      OpenFgaModule.forRoot({ name: 'docs', ...ctx.moduleOptions(docs) }),
      OpenFgaModule.forRoot({ name: 'billing', ...ctx.moduleOptions(billing, { autoFlush: true, batchSize: 100, flushInterval: 1 }) }),
    ],
  })
  class TwoConnections {}
  const app = await NestFactory.createApplicationContext(TwoConnections, { logger: false });
  const busy = new BusyStream(app.get<OpenFgaService>(getOpenFgaServiceToken('billing')));
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await busy.off();
    await app.close();
  };
  ctx.defer(close);
  return { first: app.get<OpenFgaService>(getOpenFgaServiceToken('docs')), busy, close };
}
