import type { TupleOperation, TupleOperationKind } from '../tuple/tuple';

/** An operation as it sits in the buffer. */
export interface BufferedOperation extends TupleOperation {
  /** Canonical tuple key inside the store. */
  key: string;
  /** Buffer position: the consistency token of the write that produced it. */
  seq: number;
  /** When it was enqueued (ms since the epoch). */
  enqueuedAt: number;
  /** Flush attempts that ended without an answer (crash or transient failure). */
  attempts: number;
  /** The pinned authorization model, if any. */
  modelId?: string;
}

/** A leased batch of operations claimed by one flusher. */
export interface ClaimedBatch {
  id: string;
  operations: BufferedOperation[];
  /** A batch just claimed: when its lease ends, by the claiming process's clock (ms since the epoch). */
  leasedUntil?: number;
}

/** An operation OpenFGA rejected permanently, kept with the server's reason. */
export interface DeadLetter {
  id: string;
  operation: Omit<BufferedOperation, 'attempts'>;
  attempts: number;
  reason: string;
  deadAt: number;
}

export const OP_CODE: Record<TupleOperationKind, 'w' | 'd'> = { grant: 'w', revoke: 'd' };
export const OP_KIND: Record<string, TupleOperationKind> = { w: 'grant', d: 'revoke' };

/** What a dead-letter retry did; superseded ones (a newer op on their tuple) were dropped. */
export interface DeadLetterRetry {
  requeued: number;
  superseded: number;
  /** Ids of the superseded dead letters, in position order. */
  supersededIds: string[];
}
