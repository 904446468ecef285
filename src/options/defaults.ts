import type { OpenFgaChangeFeedOptions, OpenFgaModuleOptions, OpenFgaQueueOptions } from './openfga-options.interface';

/** Defaults, matching the OpenFGA Laravel package where it has the same setting. */
export const DEFAULT_OPTIONS = {
  prefix: 'openfga',
  enabled: true,
  batchSize: 100,
  flushInterval: 5,
  ttl: 300,
  negativeTtl: 60,
  cache: true,
  cacheMemoryLimit: 0.8,
  flushOnShutdown: true,
  shutdownTimeout: 10,
  leaseTtl: 30,
  maxTuplesPerWrite: 100,
  maxParallelRequests: 4,
  retryBaseDelay: 1,
  retryMaxDelay: 60,
  requestTimeout: 10,
  checkTimeout: 5,
  redisTimeout: 2,
  revokeConsistencyWindow: 10,
  modelRefreshInterval: 30,
  autoFlush: true,
  validateDecorators: true,
} as const satisfies Partial<OpenFgaModuleOptions>;

export const DEFAULT_QUEUE_OPTIONS = {
  enabled: false,
  name: 'openfga-flush',
  attempts: 3,
  backoff: 1,
  timeout: 30,
  worker: true,
  concurrency: 1,
} as const satisfies OpenFgaQueueOptions;

export const DEFAULT_CHANGE_FEED_OPTIONS = {
  enabled: true,
  interval: 5,
  types: [] as string[],
  pageSize: 100,
} satisfies Required<OpenFgaChangeFeedOptions>;
