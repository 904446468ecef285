import { coreLogger } from '../logging/core-logger';
import type { ClaimedBatch } from '../buffer/buffered-operation';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { BatchDispatcher, BatchReport } from './batch-dispatcher';
import { BatchLease } from './batch-lease';
import { FlushOptions, FlushResult, operationsProcessed } from './flush-result';

export interface FlusherSettings {
  batchSize: number;
  /** Batches claimed (and dispatched) at once by one flush. */
  lanes: number;
}

/**
 * A dispatcher that hands a batch's report back once it is written, with the
 * settle still under way, so the next batch's write need not wait for Redis.
 */
export interface OverlappingDispatcher extends BatchDispatcher {
  dispatchOverlapped(batch: ClaimedBatch, lease: BatchLease): Promise<{ report: BatchReport; settled: Promise<void> }>;
}

function overlaps(dispatcher: BatchDispatcher): dispatcher is OverlappingDispatcher {
  return typeof (dispatcher as Partial<OverlappingDispatcher>).dispatchOverlapped === 'function';
}

/** A claimed batch and its lease, kept from the claim until the batch is written (or released). */
interface Claimed {
  batch: ClaimedBatch;
  lease: BatchLease;
}

/**
 * Drains the buffer: claims leased batches and hands each to a dispatcher,
 * which writes it inline or enqueues it as a job. Any number of processes
 * may flush at once; claims are atomic, so no operation is written twice
 * concurrently and none is skipped.
 *
 * Each lane writes one batch at a time (bounded parallelism: `lanes` batches
 * being written), claims its next batch while the current one is written,
 * and (inline) settles a written batch while it writes the next, so a write
 * slot never waits for Redis. A batch claimed ahead that the flush no longer
 * writes (it stopped, or ran out of time) goes back to the buffer at once,
 * unattempted. A flush ends once every batch it wrote is settled.
 */
export class Flusher {
  private readonly logger = coreLogger('OpenFgaFlusher');
  private running?: Promise<FlushResult>;
  /** Priority writes under way (flushTuples): stop() waits for them too. */
  private readonly priority = new Set<Promise<FlushResult>>();
  /** Set by stop(): the module is closing. */
  private stopping = false;

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly dispatcher: BatchDispatcher,
    private readonly settings: FlusherSettings,
  ) {}

  /** True while a flush started by this process is running. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Flushes now. A flush already running in this process is awaited first, so this one sees everything enqueued before the call. */
  async flush(options: FlushOptions = {}): Promise<FlushResult> {
    while (this.running) await this.running.catch(() => undefined);
    return this.start(options);
  }

  /**
   * One bounded step for a caller waiting until a buffer position is
   * flushed (a fresh check): undefined at once when this process is already
   * flushing (that flush advances the position; poll it instead of awaiting
   * a flush of unbounded length), else a flush that stops claiming after `timeoutMs`.
   */
  flushSlice(timeoutMs: number): Promise<FlushResult> | undefined {
    if (this.running) return undefined;
    return this.start({ timeoutMs });
  }

  /**
   * Writes the pending ops of the given tuples now (a priority claim, in batches of `batchSize`), ahead of
   * the rest of the buffer: a check uses it for the few ops its answer depends on. Ops in flight elsewhere
   * are left to their writer (the caller polls until they are settled). Stops at the first batch that
   * fails; runs beside any other flush (claims are atomic).
   */
  async flushTuples(tupleKeys: readonly string[]): Promise<FlushResult> {
    const run = this.writeTuples(tupleKeys);
    this.priority.add(run);
    try {
      return await run;
    } finally {
      this.priority.delete(run);
    }
  }

  private async writeTuples(tupleKeys: readonly string[]): Promise<FlushResult> {
    const started = Date.now();
    const total: FlushResult = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: 0 };
    for (let from = 0; from < tupleKeys.length && !this.stopping; from += this.settings.batchSize) {
      const leaseMs = this.dispatcher.leaseMs;
      const batch = await this.buffer.claimTuples(tupleKeys.slice(from, from + this.settings.batchSize), leaseMs);
      if (!batch) continue;
      const lease = this.leaseOf(batch);
      let report: BatchReport;
      try {
        report = await this.dispatcher.dispatch(batch, lease);
      } finally {
        lease.stop();
      }
      add(total, report);
      if (report.error) break;
    }
    total.durationMs = Date.now() - started;
    await this.finish(total);
    return total;
  }

  /**
   * For closing: a flush under way, or a check's priority write, claims no further batch (one claimed ahead goes
   * back at once) and ends once the batches it is writing are written and settled, while Redis and OpenFGA are
   * still open; triggers start none.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.running) await this.running.catch(() => undefined);
    await Promise.allSettled([...this.priority]);
  }

  /** Starts a flush unless one is running; for triggers, which must never wait. */
  kick(): void {
    if (this.running || this.stopping) return;
    this.start({}).catch((err: unknown) => this.logger.error(`Background flush failed: ${String(err)}`));
  }

  private start(options: FlushOptions): Promise<FlushResult> {
    const run = this.run(options).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async run({ timeoutMs, onProgress }: FlushOptions): Promise<FlushResult> {
    const started = Date.now();
    const deadline = timeoutMs === undefined ? Infinity : started + timeoutMs;
    const total: FlushResult = { writes: 0, deletes: 0, failed: 0, deadLettered: 0, durationMs: 0 };
    if (this.dispatcher.kind === 'queue') Object.assign(total, { queued: 0, jobs: 0 });
    let stop = false;
    const going = () => !stop && !this.stopping && Date.now() < deadline;
    // One claim per flush may end a backoff early when nothing else is claimable: a probe of whether
    // OpenFGA is back (see claim), at most one failed write per flush while it is not.
    let probe = true;
    const claim = () => {
      const first = probe;
      probe = false;
      return this.claim(first);
    };

    const lane = async () => {
      let next: Promise<Claimed | undefined> | undefined = going() ? claim() : undefined;
      // The settle of the batch this lane wrote last, when it may still be running.
      let settling: Promise<void> = Promise.resolve();
      // Whether `next` was claimed after that settle ended: a settle can make ops
      // claimable (newer ops waiting on the settled tuples), and a flush takes those too.
      let claimedAfterSettle = true;
      try {
        while (next) {
          const claimed = await next;
          next = undefined;
          if (!claimed) {
            await settling;
            if (claimedAfterSettle || !going()) return;
            next = claim();
            claimedAfterSettle = true;
            continue;
          }
          if (!going()) {
            claimed.lease.stop();
            await this.buffer.release(claimed.batch.id);
            await settling;
            return;
          }
          next = claim();
          claimedAfterSettle = false;
          const previous = settling;
          let report: BatchReport;
          try {
            if (overlaps(this.dispatcher)) {
              const dispatched = await this.dispatcher.dispatchOverlapped(claimed.batch, claimed.lease);
              report = dispatched.report;
              settling = dispatched.settled;
            } else {
              report = await this.dispatcher.dispatch(claimed.batch, claimed.lease);
            }
          } finally {
            claimed.lease.stop();
          }
          await previous; // long done: it ran during this write (at most two settles per lane at once)
          add(total, report);
          // The backend (OpenFGA or the queue's Redis) is struggling: leave the rest buffered instead of hammering it.
          if (report.error) stop = true;
          onProgress?.({ ...total, durationMs: Date.now() - started });
        }
        await settling;
      } finally {
        // Only when the lane failed (Redis or the dispatcher threw): let its last settle end, give back what it claimed ahead.
        await settling.catch(() => undefined);
        if (next) {
          const left = await next.catch(() => undefined);
          if (left) {
            left.lease.stop();
            await this.buffer.release(left.batch.id).catch(() => undefined);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: this.settings.lanes }, lane));

    total.durationMs = Date.now() - started;
    await this.finish(total);
    return total;
  }

  /** Records and reports a flush that did something. */
  private async finish(total: FlushResult): Promise<void> {
    if (operationsProcessed(total) === 0) return;
    await this.buffer.recordFlush(total);
    // Routine at every trigger, so debug; a flush that left operations for a retry is worth a warning.
    const line = { message: this.dispatcher.kind === 'queue' ? 'Flush jobs enqueued' : 'Flushed', ...total };
    if (total.failed > 0) this.logger.warn(line);
    else this.logger.debug(line);
    this.buffer.events.emit('flushed', { ...total, mode: this.dispatcher.kind });
    if (total.failed > 0) this.buffer.events.emit('flushFailed', { error: total.error ?? 'unknown error', failed: total.failed });
  }

  /**
   * Claims the next batch under a lease kept from the claim on (its validity
   * starts at the claim: no extra round trip), until the batch is written.
   * The returned promise never rejects unobserved: a lane always awaits it or hands it to `finally`.
   */
  private claim(probe: boolean): Promise<Claimed | undefined> {
    const leaseMs = this.dispatcher.leaseMs;
    const claimed = this.buffer
      .claim(this.settings.batchSize, leaseMs, probe)
      .then((batch) => (batch ? { batch, lease: this.leaseOf(batch) } : undefined));
    claimed.catch(() => undefined);
    return claimed;
  }

  /** The lease keeper of a batch just claimed (its validity starts at the claim: no extra round trip). */
  private leaseOf(batch: ClaimedBatch): BatchLease {
    const leaseMs = this.dispatcher.leaseMs;
    const renew = async (sentAt: number) =>
      (await this.buffer.renewLease(batch.id, leaseMs, sentAt)).status === 'held' ? ('held' as const) : ('lost' as const);
    return new BatchLease(renew, { leaseMs, validUntil: batch.leasedUntil ?? Date.now() + leaseMs });
  }
}

function add(total: FlushResult, report: BatchReport): void {
  total.writes += report.writes;
  total.deletes += report.deletes;
  total.failed += report.failed;
  total.deadLettered += report.deadLettered;
  if (report.queued !== undefined) total.queued = (total.queued ?? 0) + report.queued;
  if (report.jobs !== undefined) total.jobs = (total.jobs ?? 0) + report.jobs;
  if (report.error) total.error = report.error;
}
