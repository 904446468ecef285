import { DEFAULT_CHANGE_FEED_OPTIONS, DEFAULT_OPTIONS, DEFAULT_QUEUE_OPTIONS } from './defaults';
import { InvalidOptionsError } from './invalid-options.error';
import type { OpenFgaModuleOptions, ResolvedOpenFgaOptions } from './openfga-options.interface';
import { isTimerSeconds, MAX_TIMER_SECONDS } from '../timing/seconds';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Integer options and their lower bounds; the other numeric options are positive numbers of seconds. */
const INTEGERS: Partial<Record<string, number>> = { batchSize: 1, maxTuplesPerWrite: 1, maxParallelRequests: 1 };

/**
 * Longest duration (seconds) a Node.js timer holds: 2^31 - 1 ms, about 24.8 days. A longer one fires after 1 ms
 * (Node's TimeoutOverflowWarning), so a change feed or model refresh "every 35 days" would poll OpenFGA every millisecond.
 */
const SECONDS = `a positive number of seconds, at most ${MAX_TIMER_SECONDS} (about 24.8 days, the longest Node.js timer)`;

/** Whether `url` parses and has no query or fragment, which the SDK's request paths would land after. */
function isBaseUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.search === '' && parsed.hash === '' && !url.includes('?') && !url.includes('#');
  } catch {
    return false;
  }
}

/**
 * The shapes of `redis` that can be told wrong without connecting: an array, or Cluster nodes that are not
 * `{ host, port }` (these used to start an app that never reached Redis). A client (whose `cluster` is the
 * CLUSTER command) and ioredis options are left to ioredis.
 */
function validateRedisShape(redis: unknown): void {
  if (Array.isArray(redis)) {
    throw new InvalidOptionsError('redis', 'a redis:// URL, ioredis options, { cluster: [{ host, port }] }, or an ioredis client', redis);
  }
  if (typeof redis !== 'object' || redis === null || !('cluster' in redis)) return;
  const { cluster, ...rest } = redis as { cluster: unknown };
  if (typeof cluster === 'function') return;
  const isNode = (n: unknown) =>
    typeof n === 'object' &&
    n !== null &&
    typeof (n as { host?: unknown }).host === 'string' &&
    (n as { host: string }).host !== '' &&
    Number.isInteger((n as { port?: unknown }).port) &&
    (n as { port: number }).port > 0 &&
    (n as { port: number }).port < 65536;
  if (!Array.isArray(cluster) || cluster.length === 0 || !cluster.every(isNode)) {
    throw new InvalidOptionsError('redis.cluster', 'a non-empty array of Cluster nodes { host, port }', cluster);
  }
  refuseUnknown(rest, ['options'], 'redis.', 'cluster or options (the ClusterOptions of ioredis)');
}

const CLIENT_CREDENTIAL_FIELDS = ['apiTokenIssuer', 'apiAudience', 'clientId', 'clientSecret'] as const;

/** A credentials typo would otherwise surface as 401s from the first flush on, after grants were acknowledged. */
function validateCredentials(credentials: unknown): void {
  if (credentials === undefined) return;
  const c = credentials as { method?: unknown; config?: Record<string, unknown> } | null;
  const forms =
    '{ method: "api_token", config: { token } } or { method: "client_credentials", config: { apiTokenIssuer, apiAudience, clientId, clientSecret } }';
  if (typeof c !== 'object' || c === null || (c.method !== 'api_token' && c.method !== 'client_credentials')) {
    throw new InvalidOptionsError('credentials', forms, credentials);
  }
  if (typeof c.config !== 'object' || c.config === null) throw new InvalidOptionsError('credentials.config', 'an object', c.config);
  const fields = c.method === 'api_token' ? ['token'] : CLIENT_CREDENTIAL_FIELDS;
  for (const field of fields) {
    const value = c.config[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new InvalidOptionsError(
        `credentials.config.${field}`,
        `a non-empty string (credentials method "${c.method}")`,
        value === undefined ? undefined : '***',
      );
    }
  }
}

/**
 * Applies defaults and validates every option, so a typo fails the application
 * at start-up instead of being silently ignored.
 */
export function resolveOptions(input: OpenFgaModuleOptions, name?: string): ResolvedOpenFgaOptions {
  if (typeof input !== 'object' || input === null) throw new InvalidOptionsError('options', 'an object', input);
  const known = new Set<string>([
    ...Object.keys(DEFAULT_OPTIONS),
    'apiUrl',
    'storeId',
    'authorizationModelId',
    'credentials',
    'redis',
    'cron',
    'queue',
    'resolveUser',
    'changeFeed',
    'readLimits',
    'acknowledge',
  ]);
  // Resolved options given back (a worker process handed them as JSON) carry their connection: kept, unless it contradicts `name`.
  const given = (input as { connection?: unknown }).connection;
  const connection = name ?? (typeof given === 'string' ? given : 'default');
  if (given !== undefined && given !== connection) {
    throw new InvalidOptionsError(
      'connection',
      `absent: name a connection with forRoot({ name }) (these options are for "${connection}")`,
      given,
    );
  }
  const { connection: _ignored, ...rest } = input as OpenFgaModuleOptions & { connection?: unknown };
  refuseUnknown(rest, known, '', `one of the known options (${[...known].join(', ')})`);
  const options = { ...DEFAULT_OPTIONS, ...stripUndefined(rest) } as ResolvedOpenFgaOptions;
  options.connection = connection;
  options.queue = resolveQueue(input.queue, connection);
  options.changeFeed = resolveChangeFeed(input.changeFeed);
  options.readLimits = resolveReadLimits(input.readLimits);
  options.acknowledge = resolveAcknowledge(input.acknowledge);

  if (typeof options.apiUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(options.apiUrl) || !isBaseUrl(options.apiUrl)) {
    throw new InvalidOptionsError('apiUrl', 'an http(s) URL such as "http://127.0.0.1:8080" (no query or fragment)', options.apiUrl);
  }
  // The SDK appends "/stores/..." to it: a trailing slash ("http://openfga:8080/") made every request a 404.
  options.apiUrl = options.apiUrl.replace(/\/+$/, '');
  if (typeof options.storeId !== 'string' || !ULID.test(options.storeId)) {
    throw new InvalidOptionsError('storeId', 'an OpenFGA store id (a 26-character ULID)', options.storeId);
  }
  if (options.authorizationModelId !== undefined && !ULID.test(String(options.authorizationModelId))) {
    throw new InvalidOptionsError('authorizationModelId', 'an OpenFGA model id (a 26-character ULID)', options.authorizationModelId);
  }
  validateCredentials(options.credentials);
  if (options.redis === undefined || options.redis === null || (typeof options.redis !== 'string' && typeof options.redis !== 'object')) {
    throw new InvalidOptionsError('redis', 'a redis:// URL, ioredis options, or an ioredis client', options.redis);
  }
  validateRedisShape(options.redis);
  if (typeof options.prefix !== 'string' || !PREFIX.test(options.prefix)) {
    throw new InvalidOptionsError('prefix', 'letters, digits, "_", "-", "." or ":" (1-64 characters)', options.prefix);
  }
  for (const flag of ['enabled', 'cache', 'flushOnShutdown', 'autoFlush', 'validateDecorators'] as const) {
    if (typeof options[flag] !== 'boolean') throw new InvalidOptionsError(flag, 'true or false', options[flag]);
  }
  for (const key of Object.keys(DEFAULT_OPTIONS) as (keyof typeof DEFAULT_OPTIONS)[]) {
    const value = options[key];
    if (typeof DEFAULT_OPTIONS[key] !== 'number') continue;
    const min = INTEGERS[key];
    if (key === 'cacheMemoryLimit') {
      if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
        throw new InvalidOptionsError(key, 'a share of maxmemory over 0 and at most 1, e.g. 0.8', value);
      }
    } else if (min !== undefined) {
      if (!Number.isInteger(value) || (value as number) < min) throw new InvalidOptionsError(key, `an integer >= ${min}`, value);
    } else if (!isTimerSeconds(value)) {
      throw new InvalidOptionsError(key, SECONDS, value);
    }
  }
  if (options.requestTimeout >= options.leaseTtl) {
    throw new InvalidOptionsError(
      'requestTimeout',
      `shorter than leaseTtl (${options.leaseTtl} s), so a lease never expires under a request still running`,
      options.requestTimeout,
    );
  }
  if (options.cron !== undefined && (typeof options.cron !== 'string' || options.cron.trim().split(/\s+/).length < 5)) {
    throw new InvalidOptionsError('cron', 'a cron expression such as "*/30 * * * * *" (5 or 6 fields)', options.cron);
  }
  if (options.resolveUser !== undefined && typeof options.resolveUser !== 'function') {
    throw new InvalidOptionsError('resolveUser', 'a function (request) => "type:id" | undefined', typeof options.resolveUser);
  }
  if (options.retryMaxDelay < options.retryBaseDelay) {
    throw new InvalidOptionsError('retryMaxDelay', `at least retryBaseDelay (${options.retryBaseDelay} s)`, options.retryMaxDelay);
  }
  return options;
}

function resolveQueue(input: OpenFgaModuleOptions['queue'], connection: string): ResolvedOpenFgaOptions['queue'] {
  // A named connection's jobs get their own queue (and worker) by default.
  const defaults = {
    ...DEFAULT_QUEUE_OPTIONS,
    ...(connection === 'default' ? {} : { name: `${DEFAULT_QUEUE_OPTIONS.name}-${connection}` }),
  };
  if (input === undefined) return defaults;
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionsError('queue', 'an object { enabled, name, attempts, ... }', input);
  const known = new Set<string>([...Object.keys(DEFAULT_QUEUE_OPTIONS), 'connection']);
  refuseUnknown(input, known, 'queue.', `one of the known queue options (${[...known].join(', ')})`);
  const queue = { ...defaults, ...stripUndefined(input) };
  for (const flag of ['enabled', 'worker'] as const) {
    if (typeof queue[flag] !== 'boolean') throw new InvalidOptionsError(`queue.${flag}`, 'true or false', queue[flag]);
  }
  if (typeof queue.name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(queue.name)) {
    throw new InvalidOptionsError('queue.name', 'letters, digits, "_", "-" or "." (1-64 characters)', queue.name);
  }
  for (const key of ['attempts', 'concurrency'] as const) {
    if (!Number.isInteger(queue[key]) || queue[key] < 1) throw new InvalidOptionsError(`queue.${key}`, 'an integer >= 1', queue[key]);
  }
  for (const key of ['backoff', 'timeout'] as const) {
    if (!isTimerSeconds(queue[key])) throw new InvalidOptionsError(`queue.${key}`, SECONDS, queue[key]);
  }
  return queue;
}

function resolveChangeFeed(input: OpenFgaModuleOptions['changeFeed']): ResolvedOpenFgaOptions['changeFeed'] {
  if (input === undefined) return { ...DEFAULT_CHANGE_FEED_OPTIONS, types: [] };
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionsError('changeFeed', 'an object { enabled, interval, types, pageSize }', input);
  const feedKeys = Object.keys(DEFAULT_CHANGE_FEED_OPTIONS);
  refuseUnknown(input, feedKeys, 'changeFeed.', `one of the known change feed options (${feedKeys.join(', ')})`);
  const feed = { ...DEFAULT_CHANGE_FEED_OPTIONS, ...stripUndefined(input) };
  if (typeof feed.enabled !== 'boolean') throw new InvalidOptionsError('changeFeed.enabled', 'true or false', feed.enabled);
  if (!isTimerSeconds(feed.interval)) {
    throw new InvalidOptionsError('changeFeed.interval', SECONDS, feed.interval);
  }
  if (!Number.isInteger(feed.pageSize) || feed.pageSize < 1 || feed.pageSize > 100) {
    throw new InvalidOptionsError('changeFeed.pageSize', 'an integer from 1 to 100', feed.pageSize);
  }
  if (!Array.isArray(feed.types) || feed.types.some((t) => typeof t !== 'string' || !/^[^\s:#@*]{1,254}$/.test(t))) {
    throw new InvalidOptionsError('changeFeed.types', 'an array of OpenFGA type names', feed.types);
  }
  return { ...feed, types: [...feed.types] };
}

/** OpenFGA's cap on contextual tuples per check, and the default index page of one snapshot. */
const DEFAULT_READ_LIMITS = { contextualTuples: 100, listedOperations: 256 };

function resolveReadLimits(input: OpenFgaModuleOptions['readLimits']): ResolvedOpenFgaOptions['readLimits'] {
  if (input === undefined) return { ...DEFAULT_READ_LIMITS };
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionsError('readLimits', 'an object { contextualTuples, listedOperations }', input);
  refuseUnknown(input, Object.keys(DEFAULT_READ_LIMITS), 'readLimits.', 'one of the read limits (contextualTuples, listedOperations)');
  const limits = { ...DEFAULT_READ_LIMITS, ...stripUndefined(input) };
  if (!Number.isInteger(limits.contextualTuples) || limits.contextualTuples < 0 || limits.contextualTuples > 100) {
    throw new InvalidOptionsError(
      'readLimits.contextualTuples',
      'an integer from 0 to 100 (OpenFGA takes at most 100)',
      limits.contextualTuples,
    );
  }
  if (!Number.isInteger(limits.listedOperations) || limits.listedOperations < 1 || limits.listedOperations > 10_000) {
    throw new InvalidOptionsError('readLimits.listedOperations', 'an integer from 1 to 10000', limits.listedOperations);
  }
  return limits;
}

function resolveAcknowledge(input: OpenFgaModuleOptions['acknowledge']): ResolvedOpenFgaOptions['acknowledge'] {
  const defaults = { replicas: 'auto' as const, timeout: 1 };
  if (input === undefined) return defaults;
  if (typeof input !== 'object' || input === null) throw new InvalidOptionsError('acknowledge', 'an object { replicas, timeout }', input);
  refuseUnknown(input, Object.keys(defaults), 'acknowledge.', 'one of replicas, timeout');
  const ack = { ...defaults, ...stripUndefined(input) };
  if (ack.replicas !== 'auto' && (!Number.isInteger(ack.replicas) || ack.replicas < 0 || ack.replicas > 16)) {
    throw new InvalidOptionsError('acknowledge.replicas', '"auto" or an integer from 0 to 16', ack.replicas);
  }
  if (!isTimerSeconds(ack.timeout)) {
    throw new InvalidOptionsError('acknowledge.timeout', SECONDS, ack.timeout);
  }
  return ack;
}

/** Throws for the first key of `input` that is not `known`, naming it as `<prefix><key>`. */
function refuseUnknown(input: object, known: Iterable<string>, prefix: string, expected: string): void {
  const allowed = new Set(known);
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) throw new InvalidOptionsError(`${prefix}${key}`, expected, 'an unknown option');
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
