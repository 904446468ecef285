/**
 * The part of an OpenTelemetry `TracerProvider` the tracing module uses. Any
 * @opentelemetry/api `TracerProvider` fits (declared here so that apps
 * without @opentelemetry/api still compile against this package's typings).
 *
 * @example
 * import { trace } from '@opentelemetry/api';
 * const provider: OpenFgaTracerProvider = trace.getTracerProvider();
 */
export interface OpenFgaTracerProvider {
  /** Returns the tracer of an instrumentation library. */
  getTracer(name: string, version?: string): unknown;
}

/**
 * Options of `OpenFgaTracingModule.forRoot()`.
 *
 * @example
 * OpenFgaTracingModule.forRoot({ tracerProvider: provider, tracerName: 'authz' })
 */
export interface OpenFgaTracingOptions {
  /** Where spans go. Default: the global provider of @opentelemetry/api (what your OpenTelemetry SDK registered). */
  tracerProvider?: OpenFgaTracerProvider;
  /** The tracer's (instrumentation scope's) name. Default `nestjs-openfga`. */
  tracerName?: string;
  /** The connections to trace (`default` and the `name`s given to `OpenFgaModule.forRoot`). Default: every connection of the app. */
  connections?: readonly string[];
}

/**
 * Span names.
 *
 * @example
 * spans.filter((s) => s.name === OPENFGA_SPANS.check)
 */
export const OPENFGA_SPANS = {
  /** `grant`/`grantMany`: operations made durable in the Redis buffer. */
  grant: 'openfga.grant',
  /** `revoke`/`revokeMany`. */
  revoke: 'openfga.revoke',
  /** `check`, from call to answer. */
  check: 'openfga.check',
  /** One flush (inline: claim and write; queue mode: claim and enqueue), or one queue job written by a worker. */
  flush: 'openfga.flush',
  /** One OpenFGA Write request (span kind CLIENT). */
  write: 'openfga.api.write',
  /** One OpenFGA Check request (span kind CLIENT). */
  checkRequest: 'openfga.api.check',
  /** One OpenFGA BatchCheck request (span kind CLIENT). */
  batchCheckRequest: 'openfga.api.batchCheck',
  /** One OpenFGA ListObjects request (span kind CLIENT). */
  listObjectsRequest: 'openfga.api.listObjects',
  /** One OpenFGA ListUsers request, one per user filter (span kind CLIENT). */
  listUsersRequest: 'openfga.api.listUsers',
  /** One OpenFGA ReadChanges request (span kind CLIENT). */
  readChanges: 'openfga.api.readChanges',
  /** One OpenFGA Read request: a read following its path's tupleset edges (span kind CLIENT). */
  readRequest: 'openfga.api.read',
  /** Changes read from OpenFGA's change feed invalidated cached answers. */
  changeFeed: 'openfga.change_feed',
} as const;

/**
 * Span attribute keys. None carries tuple contents (users, objects, relations).
 *
 * @example
 * span.attributes[OPENFGA_SPAN_ATTRIBUTES.outcome] // 'hit'
 */
export const OPENFGA_SPAN_ATTRIBUTES = {
  /** The OpenFGA store id. Every span. */
  storeId: 'openfga.store_id',
  /** The connection: `default`, or the `name` given to `OpenFgaModule.forRoot`. Every span. */
  connection: 'openfga.connection',
  /** `grant`, `revoke`, `check`, `flush`, `write`, `listObjects`, `listUsers`, `readChanges`, `change_feed`. Every span. */
  operation: 'openfga.operation',
  /** Tuples involved: enqueued, written by a flush, sent in a request (contextual tuples for checks), changes applied. */
  count: 'openfga.tuple_count',
  /**
   * What happened. grant/revoke: `invalidated` (cached answers the write may change are no longer served);
   * check: `hit` (buffer or cache), `populated` (OpenFGA answered and the answer was offered to the cache),
   * `miss` (OpenFGA answered, cache off), `failed`; flush and requests: `ok` or `failed`; change feed: `invalidated`.
   */
  outcome: 'openfga.outcome',
  /** check: `buffer`, `cache`, `openfga` or `error`. */
  checkSource: 'openfga.check.source',
  /** check: the answer. */
  checkAllowed: 'openfga.check.allowed',
  /** check: `minimize-latency`, `at-least-as-fresh` or `strong`. */
  consistency: 'openfga.consistency',
  /** grant/revoke: the buffer position of the write (what its consistency token names). */
  bufferPosition: 'openfga.buffer.position',
  /** flush: `inline`, `queue` (claim and enqueue jobs) or `worker` (one job written by a queue worker). */
  flushMode: 'openfga.flush.mode',
  /** flush: grants OpenFGA accepted. */
  flushWrites: 'openfga.flush.writes',
  /** flush: revokes OpenFGA accepted. */
  flushDeletes: 'openfga.flush.deletes',
  /** flush: operations left buffered after a transient failure. */
  flushFailed: 'openfga.flush.failed',
  /** flush: operations dead-lettered. */
  flushDeadLettered: 'openfga.flush.dead_lettered',
  /** flush, queue mode: operations handed to jobs. */
  flushQueued: 'openfga.flush.queued',
  /** flush, queue mode: jobs enqueued. */
  flushJobs: 'openfga.flush.jobs',
  /** flush by a queue worker: the BullMQ job id. */
  jobId: 'openfga.flush.job_id',
} as const;
