/**
 * P10: the read cache's hit ratio on a hot set of 1,000 distinct checks
 * (`user:hK viewer folder:p10-hotK`, half of them granted and flushed, the
 * other half denied), repeated one after another, while a background loop
 * grants on document#owner at 200/s and revokes (tuples it granted earlier)
 * at 10/s, against the same hot loop with no writes. Default options
 * (automatic flush and change feed on). Hits and misses are counted from the
 * service's `checked` events (source 'cache' or 'openfga'). Quiet and write
 * phases alternate, each a fixed time, a fixed number of times; each starts
 * after an uncounted pass over the hot set (the quiet ones also after a
 * flush of what the last write phase left), so both start warm. Target: the
 * ratio under writes at least 0.95x the quiet one.
 */
import type { OpenFgaService } from '../src/openfga.service';
import type { Tuple } from '../src/tuple/tuple';
import type { Benchmark } from './support/benchmark';
import { rate } from './support/format';
import { atLeast } from './support/result';

const HOT = 1000;
const GRANTS_PER_SEC = 200;
const REVOKES_PER_SEC = 10;
/** Most background writes in flight; a slower Redis lowers the rate instead of piling up calls. */
const MAX_IN_FLIGHT = 50;

interface PhaseCounts {
  cache: number;
  openfga: number;
  error: number;
  ms: number;
  grants: number;
  revokes: number;
  writeErrors: number;
}

const hot = (k: number): Tuple => ({ user: `user:h${k}`, relation: 'viewer', object: `folder:p10-hot${k}` });

export const p10: Benchmark = {
  id: 'P10',
  title: 'hit ratio under writes',
  async run(ctx) {
    const plan = ctx.quick ? { phaseMs: 2000, rounds: 2 } : { phaseMs: 6000, rounds: 5 };
    const store = await ctx.newStore('p10');
    const { service } = ctx.openService(store, { autoFlush: true, flushOnShutdown: false });
    const granted = Array.from({ length: HOT / 2 }, (_, k) => hot(2 * k));
    await service.grantMany(granted);
    const flushed = await service.flush();
    if (flushed.failed > 0) throw new Error(`setup: the hot grants could not be flushed: ${flushed.error ?? ''}`);
    // Triggers and change feed, as the module starts them (closed with the core after the benchmark).
    service.onApplicationBootstrap();
    if (!(await service.check('user:h0', 'viewer', 'folder:p10-hot0'))) throw new Error('setup: a granted hot tuple is denied');

    let phase: PhaseCounts | undefined;
    const off = service.events.on('checked', ({ source }) => {
      if (phase) phase[source]++;
    });
    ctx.defer(async () => off());

    let cursor = 0;
    // Every phase starts from a warm cache and, for the quiet ones, nothing left to flush from a write phase.
    const warm = async (drain: boolean) => {
      if (drain) await service.flush();
      for (let k = 0; k < HOT; k++) await checkHot(service, cursor++);
    };

    const background = new BackgroundWrites(service);
    const quiet: PhaseCounts[] = [];
    const writing: PhaseCounts[] = [];
    for (let round = 0; round < plan.rounds; round++) {
      for (const withWrites of round % 2 === 0 ? [false, true] : [true, false]) {
        await warm(!withWrites);
        phase = { cache: 0, openfga: 0, error: 0, ms: 0, grants: 0, revokes: 0, writeErrors: 0 };
        const started = Date.now();
        const writes = withWrites ? background.start(phase) : undefined;
        while (Date.now() - started < plan.phaseMs) await checkHot(service, cursor++);
        await writes?.stop();
        phase.ms = Date.now() - started;
        (withWrites ? writing : quiet).push(phase);
        phase = undefined;
      }
    }
    const q = total(quiet);
    const w = total(writing);
    const ratioOf = (p: PhaseCounts) => p.cache / Math.max(1, p.cache + p.openfga + p.error);
    const quietRatio = ratioOf(q);
    const writeRatio = ratioOf(w);
    const mode = ctx.quick
      ? ` [quick: ${plan.rounds}x${plan.phaseMs / 1000} s per phase]`
      : ` [${plan.rounds}x${plan.phaseMs / 1000} s per phase]`;
    const checks = (p: PhaseCounts) => p.cache + p.openfga + p.error;
    return {
      summary:
        `hit ratio under writes ${writeRatio.toFixed(3)} (${checks(w)} checks, ${w.openfga} to OpenFGA, ${w.error} failed; ` +
        `${rate((w.grants * 1000) / w.ms)} grants, ${rate((w.revokes * 1000) / w.ms)} revokes${w.writeErrors ? `, ${w.writeErrors} write errors` : ''}); ` +
        `no writes ${quietRatio.toFixed(3)} (${checks(q)} checks, ${q.openfga} to OpenFGA, ${q.error} failed)${mode}`,
      checks: [atLeast('of the quiet hit ratio', quietRatio > 0 ? writeRatio / quietRatio : 0, 0.95)],
      figures: {
        hotSet: HOT,
        phaseMs: plan.phaseMs,
        quietHitRatio: quietRatio,
        writeHitRatio: writeRatio,
        quiet,
        writing,
      },
    };
  },
};

function checkHot(service: OpenFgaService, i: number): Promise<boolean> {
  const t = hot(i % HOT);
  // A fail-closed check is counted by its `checked` event (source 'error').
  return service.check(t.user, t.relation, t.object).catch(() => false);
}

function total(phases: PhaseCounts[]): PhaseCounts {
  const sum: PhaseCounts = { cache: 0, openfga: 0, error: 0, ms: 0, grants: 0, revokes: 0, writeErrors: 0 };
  for (const p of phases) for (const key of Object.keys(sum) as (keyof PhaseCounts)[]) sum[key] += p[key];
  return sum;
}

/**
 * Grants `user:wN owner document:p10-wN` at 200/s and revokes, at 10/s, the
 * oldest of those it granted; paced by a 10 ms tick against the clock, never
 * more than MAX_IN_FLIGHT calls at once. Runs only between start and stop.
 */
class BackgroundWrites {
  private next = 0;
  private revoked = 0;

  constructor(private readonly service: OpenFgaService) {}

  start(counts: PhaseCounts): { stop(): Promise<void> } {
    const started = Date.now();
    const inFlight = new Set<Promise<unknown>>();
    let grants = 0;
    let revokes = 0;
    const launch = (call: () => Promise<unknown>, done: () => void) => {
      const p = call().then(done, () => counts.writeErrors++);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };
    const tick = () => {
      const elapsed = (Date.now() - started) / 1000;
      while (grants < Math.floor(elapsed * GRANTS_PER_SEC) && inFlight.size < MAX_IN_FLIGHT) {
        grants++;
        const n = this.next++;
        launch(
          () => this.service.grant(`user:w${n}`, 'owner', `document:p10-w${n}`),
          () => counts.grants++,
        );
      }
      while (
        revokes < Math.floor(elapsed * REVOKES_PER_SEC) &&
        this.revoked < this.next - GRANTS_PER_SEC &&
        inFlight.size < MAX_IN_FLIGHT
      ) {
        revokes++;
        const n = this.revoked++;
        launch(
          () => this.service.revoke(`user:w${n}`, 'owner', `document:p10-w${n}`),
          () => counts.revokes++,
        );
      }
    };
    const timer = setInterval(tick, 10);
    return {
      async stop() {
        clearInterval(timer);
        await Promise.all([...inFlight]);
      },
    };
  }
}
