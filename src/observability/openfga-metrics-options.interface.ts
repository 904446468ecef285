/**
 * The part of a prom-client `Registry` the metrics module uses. Any
 * prom-client `Registry` fits (declared here so that apps without prom-client
 * still compile against this package's typings).
 *
 * @example
 * import { Registry } from 'prom-client';
 * const registry: OpenFgaMetricsRegistry = new Registry();
 */
export interface OpenFgaMetricsRegistry {
  /** The metric registered under `name`, if any. */
  getSingleMetric(name: string): unknown;
  /** Unregisters the metric named `name`. */
  removeSingleMetric(name: string): void;
  /** Every metric of the registry in the Prometheus text format. */
  metrics(): Promise<string>;
  /** The Content-Type of `metrics()`. */
  readonly contentType: string;
}

/**
 * Histogram buckets, in seconds, per histogram; unset ones keep `DEFAULT_METRICS_BUCKETS`.
 *
 * @example
 * OpenFgaMetricsModule.forRoot({ buckets: { flush: [0.1, 0.5, 1, 5, 30] } })
 */
export interface OpenFgaMetricsBuckets {
  /** `check_duration_seconds`. Default 0.5 ms … 5 s. */
  check?: number[];
  /** `enqueue_duration_seconds` (grant/revoke). Default 0.5 ms … 5 s. */
  enqueue?: number[];
  /** `flush_duration_seconds`. Default 5 ms … 60 s. */
  flush?: number[];
  /** `request_duration_seconds` (OpenFGA calls). Default 1 ms … 10 s. */
  request?: number[];
}

/**
 * Options of `OpenFgaMetricsModule.forRoot()`.
 *
 * @example
 * OpenFgaMetricsModule.forRoot({ registry: new Registry(), prefix: 'myapp_openfga_' })
 */
export interface OpenFgaMetricsOptions {
  /** The prom-client registry the metrics are registered on. Default: prom-client's global `register`. */
  registry?: OpenFgaMetricsRegistry;
  /** Prefix of every metric name. Default `nestjs_openfga_`. Letters, digits, `_` and `:`, not starting with a digit. */
  prefix?: string;
  /** Histogram buckets, in seconds. */
  buckets?: OpenFgaMetricsBuckets;
  /** Seconds a scrape waits for `status()` (one Redis script) before the status gauges read NaN and `status_up` 0. Default 3. */
  statusTimeout?: number;
  /**
   * The connections to report (`default` and the `name`s given to `OpenFgaModule.forRoot`). Default: every
   * connection of the application. Each is told apart by the `connection` and `store` labels of the same metrics.
   */
  connections?: readonly string[];
}

/**
 * Default metric name prefix.
 *
 * @example
 * `${DEFAULT_METRICS_PREFIX}checks_total` // 'nestjs_openfga_checks_total'
 */
export const DEFAULT_METRICS_PREFIX = 'nestjs_openfga_';

/**
 * Default histogram buckets, in seconds.
 *
 * @example
 * OpenFgaMetricsModule.forRoot({ buckets: { check: [...DEFAULT_METRICS_BUCKETS.check, 10] } })
 */
export const DEFAULT_METRICS_BUCKETS: Required<OpenFgaMetricsBuckets> = {
  check: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  enqueue: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  flush: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  request: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
};

/**
 * The metrics and their names without the prefix. Every metric has the labels
 * `connection` (`default`, or the name given to `OpenFgaModule.forRoot`) and
 * `store` (its store id), besides those named here. Labels never carry tuple
 * contents (users, objects, relations): only these small, fixed sets.
 *
 * @example
 * `${DEFAULT_METRICS_PREFIX}${OPENFGA_METRICS.checks}` // 'nestjs_openfga_checks_total'
 */
export const OPENFGA_METRICS = {
  /** Gauge, label `operation` (grant|revoke): operations waiting in the buffer. */
  pendingOperations: 'pending_operations',
  /** Gauge: age of the oldest operation not yet written to OpenFGA, pending or in flight (0 when none); the name predates in-flight ops counting. */
  oldestPendingAge: 'oldest_pending_age_seconds',
  /** Gauge: operations claimed by a flush and not yet settled. */
  inFlightOperations: 'in_flight_operations',
  /** Gauge: operations in the dead-letter set. */
  deadLetters: 'dead_letters',
  /** Gauge: 1 when the last scrape read `status()`, 0 when Redis did not answer in time (the status gauges read NaN then). */
  statusUp: 'status_up',
  /** Gauge (with `changeFeed.enabled`): seconds since the change feed was last read to its end; NaN before the first poll. */
  changeFeedLag: 'change_feed_lag_seconds',
  /** Gauge (with `cache: true`): share (0-1) of `maxmemory` the fullest Redis node uses; NaN when no node has a `maxmemory`. */
  redisMemoryUsage: 'redis_memory_usage_ratio',
  /** Gauge (with `cache: true`): 1 while answers are not cached because a `noeviction` node reached `cacheMemoryLimit`. */
  cachePaused: 'cache_paused',
  /** Gauge (queue mode), label `state` (waiting|active|delayed|completed|failed): BullMQ flush jobs. */
  queueJobs: 'queue_jobs',
  /** Counter, label `operation`: operations made durable in the buffer by grant/revoke. */
  operationsEnqueued: 'operations_enqueued_total',
  /** Counter, label `operation`: operations OpenFGA accepted (inline flushes and queue workers). */
  operationsFlushed: 'operations_flushed_total',
  /** Counter: operations OpenFGA rejected permanently, moved to the dead-letter set. */
  operationsDeadLettered: 'operations_dead_lettered_total',
  /** Counter: pending operations discarded by `clear()`. */
  operationsCleared: 'operations_cleared_total',
  /** Counter: flushes (or queue jobs) that left operations buffered after a transient failure. */
  flushFailures: 'flush_failures_total',
  /** Counter, label `source` (cache|openfga|error): checks by where the answer came from. */
  checks: 'checks_total',
  /** Counter: changes read from OpenFGA's change feed and applied to the cache. */
  changeFeedChanges: 'change_feed_changes_total',
  /** Histogram: time grant/revoke took to make operations durable in Redis. */
  enqueueDuration: 'enqueue_duration_seconds',
  /** Histogram, label `mode` (inline|queue|worker): flush duration; `queue` = claim and enqueue jobs, `worker` = one job's write. */
  flushDuration: 'flush_duration_seconds',
  /** Histogram, label `source`: check latency as the caller saw it. */
  checkDuration: 'check_duration_seconds',
  /** Histogram, labels `api` (write|check|batchCheck|listObjects|listUsers|readChanges) and `outcome` (ok|error): requests to OpenFGA. */
  requestDuration: 'request_duration_seconds',
} as const;

/**
 * Key of one of the metrics in `OPENFGA_METRICS`.
 *
 * @example
 * const key: OpenFgaMetricKey = 'checks';
 * openfgaMetrics.names[key]; // 'nestjs_openfga_checks_total'
 */
export type OpenFgaMetricKey = keyof typeof OPENFGA_METRICS;
