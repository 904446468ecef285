/**
 * Scale and reporting of the reliability suite (test/reliability).
 *
 * `RELIABILITY=full` (npm run test:reliability) runs every scenario at full
 * scale; without it each scenario runs a short version inside `npm test`.
 * Every scenario logs one summary line and writes its figures as JSON to
 * `$TMPDIR/nestjs-openfga-reliability/<mode>/<id>.json` (override the folder
 * with RELIABILITY_RESULTS_DIR), for the README's "Guarantees" section.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';

export type ReliabilityMode = 'short' | 'full';

export const RELIABILITY_MODE: ReliabilityMode = process.env.RELIABILITY === 'full' ? 'full' : 'short';
export const FULL = RELIABILITY_MODE === 'full';

/** `short` in the default run, `full` with RELIABILITY=full. */
export function scaled<T>(short: T, full: T): T {
  return FULL ? full : short;
}

/** The fast-check / random seed of this run (RELIABILITY_SEED to replay one). */
export const RELIABILITY_SEED = process.env.RELIABILITY_SEED ? Number(process.env.RELIABILITY_SEED) : Date.now() % 2_147_483_647;

export const RESULTS_DIR = process.env.RELIABILITY_RESULTS_DIR ?? join(tmpdir(), 'nestjs-openfga-reliability', RELIABILITY_MODE);

/** Logs the scenario's one summary line and stores its figures as JSON. */
export function reportFigures(id: string, line: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const entry = { id, mode: RELIABILITY_MODE, line, figures, at: new Date().toISOString() };
  writeFileSync(join(RESULTS_DIR, `${id}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  console.log(`${id} [${RELIABILITY_MODE}]: ${line}`);
}

/**
 * The module logs every outage the scenarios cause on purpose: keep only errors
 * (`silent`: nothing, for scenarios whose errors are the point) unless RELIABILITY_LOGS=1.
 */
export function quietNestLogs(level: 'errors' | 'silent' = 'errors'): void {
  if (process.env.RELIABILITY_LOGS === '1') return;
  Logger.overrideLogger(level === 'silent' ? false : ['error']);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value; throws after `timeoutMs`, naming `what` and the last value. */
export async function until<T>(what: string, probe: () => Promise<T>, timeoutMs: number, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)}${lastError ? `, error: ${String(lastError)}` : ''})`,
  );
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with RELIABILITY_SEED. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The largest value (0 for none), without spreading a large array onto the stack. */
export function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

export const round1 = (n: number) => Math.round(n * 10) / 10;
