import type { TupleOperation } from '../tuple/tuple';

/** One caller's chunk: at most one op per tuple key. */
export type EnqueueChunk = readonly [string, TupleOperation][];

export interface EnqueueResult {
  seq: number;
  queued: number;
}

interface Group {
  modelId: string;
  chunks: EnqueueChunk[];
  ops: number;
  keys: Set<string>;
  waiters: { resolve(result: EnqueueResult): void; reject(err: unknown): void }[];
}

/**
 * Enqueue script calls, coalesced as the cache's MGETs are: with none in
 * flight a chunk goes out at once (no added latency); chunks that arrive
 * while one is in flight wait for it and then go out together, as ONE
 * atomic script call. Concurrent grants then cost one round trip, one socket
 * write and one script's fixed work per group instead of one each.
 *
 * A group only takes chunks for the same model and on distinct tuples (a
 * chunk whose tuple is already in the group waits for the next one), so
 * "the last op per tuple wins" keeps the callers' order, and at most
 * `maxOps` ops, so a group never blocks Redis longer than one chunk would.
 * Every caller of a group gets the group's result: its last position (at or
 * after the caller's own ops, a valid consistency token for them) and the
 * queue length; a failure fails every caller of the group, none of whose ops
 * was written (the script is atomic).
 */
export class CoalescedEnqueue {
  private groups: Group[] = [];
  private sending = false;

  constructor(
    private readonly send: (chunk: EnqueueChunk, modelId: string) => Promise<EnqueueResult>,
    private readonly maxOps: number,
  ) {}

  enqueue(chunk: EnqueueChunk, modelId: string): Promise<EnqueueResult> {
    // Nothing in flight: the chunk goes out alone, and the callers that arrive meanwhile group behind it.
    if (!this.sending) return this.dispatch(chunk, modelId);
    return new Promise((resolve, reject) => {
      this.place(chunk, modelId).waiters.push({ resolve, reject });
    });
  }

  /** The first waiting group this chunk may join, or a new one at the end. */
  private place(chunk: EnqueueChunk, modelId: string): Group {
    const fits = (g: Group) => g.modelId === modelId && g.ops + chunk.length <= this.maxOps && chunk.every(([key]) => !g.keys.has(key));
    // Only the last group may take it: joining an earlier one would put it before a chunk on the same tuple.
    const last = this.groups[this.groups.length - 1];
    const group = last && fits(last) ? last : this.open(modelId);
    group.chunks.push(chunk);
    group.ops += chunk.length;
    for (const [key] of chunk) group.keys.add(key);
    return group;
  }

  private open(modelId: string): Group {
    const group: Group = { modelId, chunks: [], ops: 0, keys: new Set(), waiters: [] };
    this.groups.push(group);
    return group;
  }

  /** Sends one script call; once it settled, the next waiting group goes out. */
  private dispatch(chunk: EnqueueChunk, modelId: string): Promise<EnqueueResult> {
    this.sending = true;
    return this.send(chunk, modelId).finally(() => {
      this.sending = false;
      this.next();
    });
  }

  private next(): void {
    const group = this.groups.shift();
    if (!group) return;
    const chunk = group.chunks.length === 1 ? group.chunks[0] : group.chunks.flat();
    this.dispatch(chunk, group.modelId).then(
      (result) => group.waiters.forEach((w) => w.resolve(result)),
      (err: unknown) => group.waiters.forEach((w) => w.reject(err)),
    );
  }
}
