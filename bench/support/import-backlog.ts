/**
 * A bulk import left pending (P8, P9): `grantMany` of `user:uN owner
 * document:<tag>dN` in calls of 1,000, with the automatic flush off, so the
 * tuples stay in the buffer. A cold check that has to flush eats into the
 * backlog; `topUp` restores it before each measured block with fresh tuples
 * (never ones OpenFGA already has), at least one call's worth, so the newest
 * imported tuples are always pending.
 */
import type { OpenFgaService } from '../../src/openfga.service';
import type { Tuple } from '../../src/tuple/tuple';
import { CheckUnavailableError } from '../../src/check/check-unavailable.error';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import type { BenchContext } from './context';
import { interleave, pool } from './sampler';

export const IMPORT_CALL = 1000;

export function importTuple(tag: string, i: number): Tuple {
  return { user: `user:u${i}`, relation: 'owner', object: `document:${tag}d${i}` };
}

export async function importTuples(service: OpenFgaService, tag: string, from: number, count: number): Promise<void> {
  const calls = Math.ceil(count / IMPORT_CALL);
  await pool(calls, 4, (c) => {
    const start = from + c * IMPORT_CALL;
    const n = Math.min(IMPORT_CALL, from + count - start);
    return service.grantMany(Array.from({ length: n }, (_, k) => importTuple(tag, start + k)));
  });
}

export class ImportBacklog {
  /** The next import index: tuples [0, next) were imported. */
  next = 0;
  /** Outstanding (pending + in flight) before each top-up: how much the checks in between left. */
  readonly seenBefore: number[] = [];

  constructor(
    private readonly service: OpenFgaService,
    readonly tag: string,
    readonly target: number,
  ) {}

  async outstanding(): Promise<number> {
    const counts = await this.service.status();
    return counts.pending.total + counts.inFlight;
  }

  /** Back to `target` outstanding (at least one more call of fresh tuples); returns the index range just imported. */
  async topUp(): Promise<{ from: number; to: number }> {
    const before = await this.outstanding();
    this.seenBefore.push(before);
    const add = Math.ceil(Math.max(IMPORT_CALL, this.target - before) / IMPORT_CALL) * IMPORT_CALL;
    const from = this.next;
    await importTuples(this.service, this.tag, from, add);
    this.next += add;
    return { from, to: this.next };
  }
}

/** A check that counts fail-closed answers (CheckUnavailableError) instead of stopping the benchmark. */
export function countingFailures(check: (i: number) => Promise<boolean>): { run: (i: number) => Promise<unknown>; failures: string[] } {
  const failures: string[] = [];
  return {
    failures,
    run: async (i) => {
      try {
        return await check(i);
      } catch (err) {
        if (!(err instanceof CheckUnavailableError)) throw err;
        failures.push(err.message);
        return false;
      }
    },
  };
}

export interface ColdCheckRun {
  importSize: number;
  /** How long the initial import of `importSize` took (ms). */
  importMs: number;
  empty: bigint[];
  loaded: bigint[];
  emptyFailures: string[];
  loadedFailures: string[];
  /** Outstanding ops the checks had left before each top-up (the first is the initial 0). */
  outstandingBeforeTopUp: number[];
}

export interface ColdCheckSpec {
  tag: string;
  /** The measured check on the service whose buffer holds the import; `pendingIndex()` is a distinct index of a still-pending imported tuple. */
  loaded(service: OpenFgaService, pendingIndex: () => number, i: number): Promise<boolean>;
  /** The same check on a service with an empty buffer. */
  empty(service: OpenFgaService, i: number): Promise<boolean>;
  /** Set-up of the empty-buffer service, given how many checks it may run at most. */
  prepareEmpty?(service: OpenFgaService, maxChecks: number): Promise<void>;
}

/**
 * Cold checks with an import pending against the same checks with an empty
 * buffer, in alternating blocks (two services, two stores, one Redis). The
 * loaded side runs one check per block, after the backlog is topped up, since
 * a check that has to flush drains it. Bounded by rounds and a time budget.
 */
export async function coldChecksDuringImport(ctx: BenchContext, spec: ColdCheckSpec): Promise<ColdCheckRun> {
  const plan = ctx.quick
    ? { importSize: 20_000, rounds: 10, emptyPerRound: 5, budgetMs: 6_000 }
    : { importSize: 100_000, rounds: 40, emptyPerRound: 5, budgetMs: 90_000 };
  const emptyWarmup = 5;
  // Default options but the automatic flush, which the context turns off: the import stays pending.
  const { service: loadedService, core: loadedCore } = ctx.openService(await ctx.newStore(`${spec.tag}-import`));
  const emptyService = ctx.openService(await ctx.newStore(`${spec.tag}-empty`)).service;
  await spec.prepareEmpty?.(emptyService, plan.rounds * plan.emptyPerRound + emptyWarmup);

  const backlog = new ImportBacklog(loadedService, `${spec.tag}i`, plan.importSize);
  const t0 = Date.now();
  let cursor = (await backlog.topUp()).to - 1;
  const importMs = Date.now() - t0;
  const pendingIndex = () => cursor--;
  const loaded = countingFailures((i) => spec.loaded(loadedService, pendingIndex, i));
  const empty = countingFailures((i) => spec.empty(emptyService, i));
  let first = true;
  const samples = await interleave(
    [
      {
        name: 'empty',
        perRound: plan.emptyPerRound,
        warmup: emptyWarmup,
        // A check that failed closed may leave its last flush slice (<= 100 ms) running: let it end first.
        beforeBlock: () => idle(loadedCore, 2000),
        run: empty.run,
      },
      {
        name: 'loaded',
        perRound: 1,
        warmup: 0,
        beforeBlock: async () => {
          if (first)
            first = false; // just imported
          else cursor = (await backlog.topUp()).to - 1;
        },
        run: loaded.run,
      },
    ],
    { rounds: plan.rounds, budgetMs: plan.budgetMs },
  );
  return {
    importSize: plan.importSize,
    importMs,
    empty: samples.get('empty')!,
    loaded: samples.get('loaded')!,
    emptyFailures: empty.failures,
    loadedFailures: loaded.failures,
    outstandingBeforeTopUp: backlog.seenBefore,
  };
}

async function idle(core: OpenFgaCore, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  while (core.flusher.busy && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
}
