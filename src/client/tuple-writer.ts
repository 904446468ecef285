import type { TupleOperation } from '../tuple/tuple';
import { ClassifiedError, classifyError, isAlreadyApplied, isConditionConflict } from './classify-error';
import { FgaClient } from './fga-client';

/** What happened to each operation of a batch. */
/** What the writer needs of an operation: the tuple, its kind and the model it is pinned to ('' or none: latest). */
export interface WritableOperation extends TupleOperation {
  modelId?: string;
}

export interface WriteOutcome<T extends WritableOperation = WritableOperation> {
  written: T[];
  dead: { operation: T; reason: string }[];
  /** Not written because of a transient failure; they stay buffered. */
  retry: T[];
  /** The last transient failure, if any. */
  lastError?: ClassifiedError;
  /** Why each op in `retry` is there (its own request's failure, or what stopped it): fates are decided per op. */
  retryReasons: Map<T, ClassifiedError>;
  /**
   * Ops in `retry` whose condition replacement sent its delete without a confirmed write: the tuple may be
   * gone from OpenFGA, possibly after a newer writer wrote it. A writer that lost its lease re-asserts them
   * as it re-asserts `written` (see reassertLost).
   */
  halfReplaced: T[];
}

export interface WriteOptions {
  /**
   * Stops starting new requests once aborted (a job timeout): requests
   * already sent finish (bounded by `requestTimeout`), the operations not
   * sent yet come back in `retry` with the abort reason as `lastError`.
   */
  signal?: AbortSignal;
  /**
   * Called right before each request: a reason stops sending, as an abort
   * does (the batch's lease is lost or about to be; see BatchLease.fence).
   */
  fence?: () => string | undefined;
}

/**
 * Writes buffered operations to OpenFGA: grouped by model, chunked to the
 * server's tuples-per-write limit, chunks run with bounded parallelism.
 * A chunk OpenFGA rejects as invalid is split in halves until the offending
 * operations are isolated, so one bad tuple never blocks the rest (invariant 4).
 */
export class TupleWriter {
  constructor(
    private readonly client: FgaClient,
    private readonly maxTuplesPerWrite: number,
    private readonly maxParallelRequests: number,
  ) {}

  async write<T extends WritableOperation>(operations: readonly T[], options: WriteOptions = {}): Promise<WriteOutcome<T>> {
    const outcome: WriteOutcome<T> = { written: [], dead: [], retry: [], retryReasons: new Map(), halfReplaced: [] };
    const chunks: T[][] = [];
    for (const group of groupByModel(operations)) {
      for (let i = 0; i < group.length; i += this.maxTuplesPerWrite) chunks.push(group.slice(i, i + this.maxTuplesPerWrite));
    }
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) await this.writeChunk(chunks[next++], outcome, options);
    };
    await Promise.all(Array.from({ length: Math.min(this.maxParallelRequests, chunks.length) }, lane));
    return outcome;
  }

  /** See replaceConditions; the fence is asked before each of its two requests, as before any other. */
  private async replaceCondition<T extends WritableOperation>(op: T, outcome: WriteOutcome<T>, options: WriteOptions): Promise<void> {
    // Once the delete may have been sent, the op is half replaced until its write is confirmed.
    let deleteSent = false;
    const retry = (failure: ClassifiedError) => {
      retryLater(outcome, [op], failure);
      if (deleteSent) outcome.halfReplaced.push(op);
    };
    const stop = () => {
      const stopped = options.signal?.aborted ? abortMessage(options.signal) : options.fence?.();
      if (stopped !== undefined) retry({ kind: 'transient', message: stopped });
      return stopped !== undefined;
    };
    try {
      if (stop()) return;
      deleteSent = true;
      await this.client.write([], [op], op.modelId);
      if (stop()) return;
      await this.client.write([op], [], op.modelId);
      outcome.written.push(op);
    } catch (err) {
      // A conflict again: another writer raced this one; the op stays and is tried again.
      const failure = isConditionConflict(err) ? { ...classifyError(err), kind: 'transient' as const } : classifyError(err);
      if (failure.kind === 'transient') retry(failure);
      else {
        outcome.dead.push({ operation: op, reason: failure.message });
        if (deleteSent) outcome.halfReplaced.push(op);
      }
    }
  }

  private async writeChunk<T extends WritableOperation>(chunk: T[], outcome: WriteOutcome<T>, options: WriteOptions): Promise<void> {
    // Checked with no await before the request: nothing can run in between.
    const stopped = options.signal?.aborted ? abortMessage(options.signal) : options.fence?.();
    if (stopped !== undefined) return retryLater(outcome, chunk, { kind: 'transient', message: stopped });
    try {
      await this.client.write(
        chunk.filter((o) => o.kind === 'grant'),
        chunk.filter((o) => o.kind === 'revoke'),
        chunk[0].modelId,
      );
      outcome.written.push(...chunk);
    } catch (err) {
      if (isConditionConflict(err) && (chunk.length > 1 || chunk[0].kind === 'grant')) {
        // Some grant changes its tuple's condition: isolated like a bad tuple, then replaced.
        if (chunk.length === 1) return this.replaceCondition(chunk[0], outcome, options);
        const half = Math.ceil(chunk.length / 2);
        await this.writeChunk(chunk.slice(0, half), outcome, options);
        await this.writeChunk(chunk.slice(half), outcome, options);
        return;
      }
      const failure = classifyError(err);
      if (failure.kind === 'transient') retryLater(outcome, chunk, failure);
      else if (chunk.length === 1) {
        if (isAlreadyApplied(failure)) outcome.written.push(chunk[0]);
        else outcome.dead.push({ operation: chunk[0], reason: failure.message });
      } else {
        const half = Math.ceil(chunk.length / 2);
        await this.writeChunk(chunk.slice(0, half), outcome, options);
        await this.writeChunk(chunk.slice(half), outcome, options);
      }
    }
  }
}

/**
 * A grant whose tuple exists in OpenFGA with another condition: delete, then write. OpenFGA refuses
 * both in one Write (a tuple named twice), so two requests. A crash or failure in between leaves the
 * op in its batch, unacknowledged: it is written again later (both steps are idempotent), and until
 * then checks send it as a contextual tuple, so the gap is never seen through the module.
 */
export async function replaceConditions(client: FgaClient, grants: WritableOperation[], modelId: string | undefined): Promise<void> {
  await client.write([], grants, modelId);
  await client.write(grants, [], modelId);
}

/** Leaves ops for a later attempt, remembering why (see `retryReasons`). */
function retryLater<T extends WritableOperation>(outcome: WriteOutcome<T>, ops: readonly T[], failure: ClassifiedError): void {
  outcome.retry.push(...ops);
  for (const op of ops) outcome.retryReasons.set(op, failure);
  outcome.lastError = failure;
}

function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'write aborted');
}

function groupByModel<T extends WritableOperation>(operations: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const op of operations) {
    const model = op.modelId ?? '';
    const group = groups.get(model);
    if (group) group.push(op);
    else groups.set(model, [op]);
  }
  return [...groups.values()];
}
