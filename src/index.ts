export { OpenFgaModule } from './openfga.module';
export { OpenFgaService } from './openfga.service';
export { DEFAULT_CONNECTION, getOpenFgaOptionsToken, getOpenFgaServiceToken, InjectOpenFga } from './connection/connection-tokens';
export type { CacheStatus, CheckConsistency, CheckOptions, ConsistencyToken, OpenFgaStatus } from './openfga.service';
export type { RedisMemory } from './redis/redis-memory';
export type { BatchCheckAnswer, BatchCheckItem, BatchCheckOptions } from './openfga.service';
export { MAX_BATCH_CHECK_ITEMS } from './check/batch-check-items';
export { MAX_CALLER_CONTEXTUAL_TUPLES, MAX_CONTEXT_CHARS } from './check/request-context';
export { OPENFGA_OPTIONS } from './openfga.constants';
export type {
  OpenFgaModuleOptions,
  OpenFgaCredentials,
  OpenFgaQueueOptions,
  OpenFgaRequest,
  RedisConnection,
  ResolvedOpenFgaOptions,
} from './options/openfga-options.interface';
export { DEFAULT_OPTIONS, DEFAULT_QUEUE_OPTIONS } from './options/defaults';
export { OpenFgaError } from './errors/openfga.error';
export { MissingPeerDependencyError } from './errors/missing-peer-dependency.error';
export { InvalidOptionsError } from './options/invalid-options.error';
export type { ConditionalTuple, Tuple, TupleCondition, TupleOperation, TupleOperationKind } from './tuple/tuple';
export type { GrantOptions } from './tuple/grant-options';
export { MAX_CONDITION_CONTEXT_BYTES } from './tuple/validate-condition';
export { InvalidTupleError } from './tuple/invalid-tuple.error';
export { IncompleteWriteError } from './tuple/incomplete-write.error';
export { IncompleteClearError } from './buffer/incomplete-clear.error';
export { InvalidDeadLetterIdsError } from './buffer/dead-letter-ids';
export type { BufferBacklog, ClearOptions } from './buffer/write-buffer';
export { InvalidModelError } from './model/invalid-model.error';
export { SAFE_EVICTION_POLICIES, UnsafeEvictionPolicyError } from './redis/eviction-policy';
export { ReplicationUnconfirmedError } from './redis/replication-unconfirmed.error';
export { RedisUnavailableError } from './redis/redis-unavailable.error';
export type { BufferedOperation, DeadLetter, DeadLetterRetry } from './buffer/buffered-operation';
export type { FlushOptions, FlushResult } from './flush/flush-result';
export { CheckUnavailableError } from './check/check-unavailable.error';
export { InvalidCheckOptionsError } from './check/invalid-check-options.error';
export { InvalidConsistencyTokenError } from './consistency/consistency-token';
export { InvalidListOptionsError, ListUnavailableError } from './list/list-errors';
export type { ListContextualTuple, ListOptions } from './list/list-options';
export type { ReadFilter, ReadOptions, ReadPage, StoredTuple } from './list/passthrough';
export * from './http';
export * from './typed';
export { getFlushCronJobName } from './flush/flush-cron-job-name';
export { FLUSH_JOB_NAME } from './queue/flush-job';
export type { FlushJobData, FlushJobResult } from './queue/flush-job';
export type { FlushQueueCounts } from './queue/flush-queue-port';
export { getFlushQueuePrefix } from './queue/flush-queue-prefix';
export { getFlushQueueName, OPENFGA_FLUSH_QUEUE } from './bullmq/flush-queue.constants';
export { OpenFgaHealthIndicator, OpenFgaHealthModule, OPENFGA_HEALTH_OPTIONS, DEFAULT_HEALTH_OPTIONS } from './health';
export type { OpenFgaHealthDetails, OpenFgaHealthIndicatorResult, OpenFgaHealthOptions } from './health';
export type {
  OpenFgaAcknowledgeOptions,
  OpenFgaChangeFeedOptions,
  OpenFgaReadLimits,
  RedisClusterConnection,
} from './options/openfga-options.interface';
export type { ChangeFeedStatus } from './changefeed/change-feed-poller';
export type { ModelGraphStatus } from './scope/model-watch';
export { OpenFgaEvents } from './events/openfga-events';
export type { OpenFgaEventMap, OpenFgaEventName } from './events/openfga-events';
export {
  OpenFgaMetricsModule,
  OpenFgaMetrics,
  OPENFGA_METRICS_OPTIONS,
  OPENFGA_METRICS,
  DEFAULT_METRICS_PREFIX,
  DEFAULT_METRICS_BUCKETS,
  OpenFgaTracingModule,
  OpenFgaTracing,
  OPENFGA_TRACING_OPTIONS,
  OPENFGA_SPANS,
  OPENFGA_SPAN_ATTRIBUTES,
  OpenFgaEventEmitterModule,
  OpenFgaEventEmitterBridge,
  OPENFGA_EVENT_EMITTER_OPTIONS,
  OPENFGA_NEST_EVENTS,
  DEFAULT_NEST_EVENTS,
} from './observability';
export type {
  OpenFgaMetricKey,
  OpenFgaMetricsBuckets,
  OpenFgaMetricsOptions,
  OpenFgaMetricsRegistry,
  OpenFgaTracerProvider,
  OpenFgaTracingOptions,
  OpenFgaEventEmitterOptions,
  OpenFgaNestEvent,
} from './observability';
