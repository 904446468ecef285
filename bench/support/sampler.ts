/**
 * Interleaved sampling: contenders (the measured code and its baselines) run
 * in alternating blocks, so a noisy neighbour slows all of them alike and the
 * ratio holds. Every loop is bounded by a sample count and a time budget.
 */

export interface Contender {
  name: string;
  /** One operation; `i` is a run-wide unique index, for distinct tuples. */
  run(i: number): Promise<unknown>;
  /** Operations per block. */
  perRound: number;
  /** Untimed operations before the first round. */
  warmup: number;
  /** Untimed set-up before each block, e.g. to restore a backlog size. */
  beforeBlock?: () => Promise<unknown>;
}

export interface InterleaveOptions {
  rounds: number;
  /** After this many ms no new round starts (at least one round always runs). */
  budgetMs: number;
}

let nextIndex = 0;
/** A process-wide unique index: no two samples anywhere write the same tuple. */
export function uniqueIndex(): number {
  return nextIndex++;
}

/**
 * Runs the contenders in alternating blocks (A B, then B A, ...); returns each one's samples in nanoseconds.
 * Many short blocks beat a few long ones: a burst of load from a neighbour then hits every contender.
 */
export async function interleave(contenders: readonly Contender[], options: InterleaveOptions): Promise<Map<string, bigint[]>> {
  const samples = new Map<string, bigint[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) {
    for (let k = 0; k < c.warmup; k++) await c.run(uniqueIndex());
  }
  const started = Date.now();
  for (let round = 0; round < options.rounds; round++) {
    if (round > 0 && Date.now() - started > options.budgetMs) break;
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const out = samples.get(c.name)!;
      await c.beforeBlock?.();
      for (let k = 0; k < c.perRound; k++) {
        const i = uniqueIndex();
        const t0 = process.hrtime.bigint();
        await c.run(i);
        out.push(process.hrtime.bigint() - t0);
      }
    }
  }
  return samples;
}

/** Runs `task` over `count` indexes with `concurrency` workers (bounded by count). */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
}
