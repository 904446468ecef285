import { EventEmitter } from 'node:events';
import type { FlushResult } from '../flush/flush-result';
import type { TupleOperation } from '../tuple/tuple';

/** What the core reports as it works. Metrics, tracing and @nestjs/event-emitter subscribe here; the core knows none of them. */
/** The OpenFGA APIs the module calls (the `request` event's `api`). */
export type OpenFgaRequestApi = 'write' | 'check' | 'batchCheck' | 'listObjects' | 'listUsers' | 'readChanges' | 'read';

export interface OpenFgaEventMap {
  /** Operations became durable in the buffer. */
  enqueued: { operations: readonly TupleOperation[]; seq: number; durationMs: number };
  /** A claimed batch was settled: `acked` reached OpenFGA, `dead` were dead-lettered. */
  settled: { batchId: string; acked: readonly string[]; dead: readonly { key: string; reason: string }[] };
  /** Operations OpenFGA rejected permanently (with the server's reason), by tuple key (`user relation object`). */
  deadLettered: { operations: readonly { operation: { key: string }; reason: string }[] };
  /**
   * A flush ended (inline: operations written; queue mode: jobs enqueued, with `queued` and `jobs`).
   * A queue worker that wrote one job's batch reports it too, with `mode: 'queue'` and its `jobId`.
   */
  flushed: FlushResult & { mode: 'inline' | 'queue'; jobId?: string };
  /** A flush left operations buffered after a transient failure. */
  flushFailed: { error: string; failed: number };
  /** Pending operations were discarded. */
  cleared: { count: number };
  /** A check was answered (or not: `error`). */
  checked: { source: 'cache' | 'openfga' | 'error'; allowed: boolean; durationMs: number; consistency: string };
  /** One request to OpenFGA. */
  request: { api: OpenFgaRequestApi; durationMs: number; outcome: 'ok' | 'error'; tuples?: number };
  /** The change feed applied changes. */
  changeFeedApplied: { count: number; newestChangeAt: number };
  /**
   * Caching answers paused (a `noeviction` Redis node reached `cacheMemoryLimit` of its `maxmemory`) or
   * resumed, with the fullest node's memory.
   */
  cacheFills: { paused: boolean; node?: string; usedBytes?: number; maxBytes?: number };
  /**
   * A handler succeeded but its `@Grant`/`@Revoke` tuples were not all recorded (a tuple the model refuses,
   * Redis out of memory or down), so the app can undo the handler's effect or record them again. Emitted on
   * each connection with operations not written. `operations`: those not written (the failed call's and
   * every later one's); `written`: those of this connection written before the failure, which stand (a
   * route's tuples are written in order, each run of the same kind and connection in one atomic call).
   */
  recordFailed: { handler: string; operations: readonly TupleOperation[]; written: readonly TupleOperation[]; reason: string };
}

export type OpenFgaEventName = keyof OpenFgaEventMap;

/**
 * A typed event hub. Listeners run synchronously inside the emitting call, so
 * they must be cheap and must not throw (a throwing listener is isolated and
 * logged, never breaking a grant or a check).
 */
export class OpenFgaEvents {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(50);
  }

  on<E extends OpenFgaEventName>(event: E, listener: (payload: OpenFgaEventMap[E]) => void): () => void {
    const safe = (payload: OpenFgaEventMap[E]) => {
      try {
        listener(payload);
      } catch (err) {
        process.emitWarning(`nestjs-openfga: a "${event}" listener threw: ${String(err)}`);
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  emit<E extends OpenFgaEventName>(event: E, payload: OpenFgaEventMap[E]): void {
    if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, payload);
  }

  /** Whether anyone listens (lets hot paths skip building payloads). */
  has(event: OpenFgaEventName): boolean {
    return this.emitter.listenerCount(event) > 0;
  }
}
