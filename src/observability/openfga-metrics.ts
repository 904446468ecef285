import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpenFgaStatus } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { loadOptionalPeer } from './load-optional-peer';
import { OpenFgaConnection, resolveConnections, validateConnectionsOption } from '../connection/app-connections';
import type { OpenFgaEvents } from '../events/openfga-events';
import { OPENFGA_METRICS_OPTIONS } from './openfga-metrics.module-definition';
import {
  DEFAULT_METRICS_BUCKETS,
  DEFAULT_METRICS_PREFIX,
  OPENFGA_METRICS,
  OpenFgaMetricKey,
  OpenFgaMetricsBuckets,
  OpenFgaMetricsOptions,
  OpenFgaMetricsRegistry,
} from './openfga-metrics-options.interface';
import { isTimerSeconds, MAX_TIMER_SECONDS, secondsToMs } from '../timing/seconds';
import { InvalidOptionsError } from '../options/invalid-options.error';

type PromClient = typeof import('prom-client');

const PREFIX_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const DEFAULT_STATUS_TIMEOUT = 3;

/** What every sample of one connection carries: its name and its store, nothing else (never tuple contents). */
type ConnectionLabels = { connection: string; store: string };

/** A reported connection, with its labels. */
interface Reported extends OpenFgaConnection {
  readonly labels: ConnectionLabels;
}

const CONNECTION_LABELS = ['connection', 'store'] as const;

/**
 * Prometheus metrics of the write-behind buffer, registered on a prom-client
 * registry (prom-client's global `register` by default) by
 * `OpenFgaMetricsModule`. One metric name for every connection of the app,
 * told apart by the `connection` and `store` labels. Counters and histograms
 * follow each connection's event hub; the backlog gauges are read from
 * `status()` (one Redis script per connection) when the registry is scraped.
 * prom-client is loaded only when this class is created.
 *
 * @example
 * // a /metrics route on the default registry:
 * @Get('metrics') async metrics(@Res() res: Response) {
 *   res.type(this.openfgaMetrics.registry.contentType).send(await this.openfgaMetrics.registry.metrics());
 * }
 */
@Injectable()
export class OpenFgaMetrics implements OnModuleInit, OnApplicationShutdown {
  /** The registry the metrics are (or will be, at module init) registered on. */
  readonly registry: OpenFgaMetricsRegistry;
  /** Full metric names (prefix included), by key. */
  readonly names: Readonly<Record<OpenFgaMetricKey, string>>;

  private readonly prom: PromClient;
  private readonly buckets: Required<OpenFgaMetricsBuckets>;
  private readonly statusTimeoutMs: number;
  private readonly requested?: readonly string[];
  private readonly registered: string[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly statusInFlight = new Map<string, Promise<OpenFgaStatus | undefined>>();
  private reported: Reported[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Optional() @Inject(OPENFGA_METRICS_OPTIONS) options: OpenFgaMetricsOptions = {},
  ) {
    const o = validateMetricsOptions(options);
    this.prom = loadOptionalPeer<PromClient>('prom-client', 'OpenFgaMetricsModule');
    this.registry = o.registry ?? this.prom.register;
    const prefix = o.prefix ?? DEFAULT_METRICS_PREFIX;
    this.names = Object.fromEntries(Object.entries(OPENFGA_METRICS).map(([key, name]) => [key, `${prefix}${name}`])) as Record<
      OpenFgaMetricKey,
      string
    >;
    this.buckets = { ...DEFAULT_METRICS_BUCKETS, ...o.buckets };
    this.statusTimeoutMs = secondsToMs(o.statusTimeout ?? DEFAULT_STATUS_TIMEOUT);
    this.requested = o.connections;
  }

  /** The connections reported (set at module init). */
  get connections(): readonly string[] {
    return this.reported.map((c) => c.name);
  }

  /** Finds the connections, registers the metrics and subscribes to each connection's event hub. */
  onModuleInit(): void {
    if (this.registered.length > 0) return;
    this.reported = resolveConnections(this.moduleRef, this.modules, this.requested, 'OpenFgaMetricsModule').map((c) => ({
      ...c,
      labels: { connection: c.name, store: c.options.storeId },
    }));
    const taken = Object.values(this.names).filter((name) => this.registry.getSingleMetric(name) !== undefined);
    if (taken.length > 0) {
      throw new Error(
        `OpenFgaMetricsModule: metrics ${taken.join(', ')} are already registered on this registry ` +
          '(is OpenFgaMetricsModule imported twice? one module reports every connection): give each OpenFgaMetricsModule its own `registry` or `prefix`',
      );
    }
    try {
      this.registerStatusGauges();
      this.registerEventMetrics();
    } catch (err) {
      this.onApplicationShutdown();
      throw err;
    }
  }

  /** Unsubscribes from the hubs and removes the metrics from the registry (after the shutdown flush was counted). */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const name of this.registered.splice(0)) this.registry.removeSingleMetric(name);
  }

  private registerStatusGauges(): void {
    const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
    this.statusGauge(
      'pendingOperations',
      'Operations waiting in the Redis buffer, by operation (grant|revoke).',
      (set, s) => {
        set(s ? s.pending.writes : NaN, { operation: 'grant' });
        set(s ? s.pending.deletes : NaN, { operation: 'revoke' });
      },
      ['operation'],
    );
    const value = (read: (s: OpenFgaStatus) => number) => (set: SetGauge, s: OpenFgaStatus | undefined) => set(s ? read(s) : NaN);
    this.statusGauge(
      'oldestPendingAge',
      'Age in seconds of the oldest operation not yet written to OpenFGA: pending, or in flight (being written or waiting out a retry backoff); 0 when none.',
      value((s) => (s.oldestAgeMs === null ? 0 : s.oldestAgeMs / 1000)),
    );
    this.statusGauge(
      'inFlightOperations',
      'Operations claimed by a flush and not yet settled: being written, or waiting out a retry backoff.',
      value((s) => s.inFlight),
    );
    this.statusGauge(
      'deadLetters',
      'Operations in the dead-letter set (rejected permanently by OpenFGA).',
      value((s) => s.deadLettered),
    );
    this.statusGauge('statusUp', 'Whether the last scrape could read the buffer status from Redis in time (1) or not (0).', (set, s) =>
      set(s ? 1 : 0),
    );
    this.statusGauge(
      'changeFeedLag',
      'Seconds since the change feed was last read to its end (NaN before the first poll).',
      value((s) => (s.changeFeed?.lagMs === null || s.changeFeed?.lagMs === undefined ? NaN : s.changeFeed.lagMs / 1000)),
      [],
      (o) => o.changeFeed.enabled,
    );
    this.statusGauge(
      'redisMemoryUsage',
      'Share of maxmemory the fullest Redis node uses (NaN when no node has a maxmemory).',
      value((s) => {
        const m = s.cache?.redisMemory;
        return m ? m.usedBytes / m.maxBytes : NaN;
      }),
      [],
      (o) => o.cache,
    );
    this.statusGauge(
      'cachePaused',
      'Whether answers are not cached now (a noeviction Redis node reached cacheMemoryLimit).',
      value((s) => (s.cache?.paused ? 1 : 0)),
      [],
      (o) => o.cache,
    );
    this.statusGauge(
      'queueJobs',
      'BullMQ flush jobs by state (queue mode).',
      (set, s) => {
        for (const state of states) set(s?.queue ? s.queue[state] : NaN, { state });
      },
      ['state'],
      (o) => o.queue.enabled,
    );
  }

  /**
   * A gauge read from `status()` at each scrape, one series per connection it `applies` to
   * (not registered when it applies to none, e.g. the queue gauge without queue mode).
   */
  private statusGauge(
    key: OpenFgaMetricKey,
    help: string,
    collect: (set: SetGauge, status: OpenFgaStatus | undefined) => void,
    labelNames: readonly string[] = [],
    applies: (options: ResolvedOpenFgaOptions) => boolean = () => true,
  ): void {
    const targets = this.reported.filter((c) => applies(c.options));
    if (targets.length === 0) return;
    const gauge: Gauge<string> = this.track(
      new this.prom.Gauge({
        name: this.names[key],
        help,
        labelNames: [...CONNECTION_LABELS, ...labelNames],
        registers: [this.registry as Registry],
        collect: async () => {
          await Promise.all(
            targets.map(async (c) => {
              const status = await this.sampleStatus(c);
              collect((value, labels = {}) => gauge.set({ ...c.labels, ...labels }, value), status);
            }),
          );
        },
      }),
    );
  }

  private registerEventMetrics(): void {
    const { Counter, Histogram } = this.prom;
    const registers = [this.registry as Registry];
    const counter = <L extends string>(key: OpenFgaMetricKey, help: string, labelNames: readonly L[] = []) =>
      this.track(
        new Counter<L | 'connection' | 'store'>({
          name: this.names[key],
          help,
          labelNames: [...CONNECTION_LABELS, ...labelNames],
          registers,
        }),
      );
    const histogram = <L extends string>(key: OpenFgaMetricKey, help: string, buckets: number[], labelNames: readonly L[] = []) =>
      this.track(
        new Histogram<L | 'connection' | 'store'>({
          name: this.names[key],
          help,
          labelNames: [...CONNECTION_LABELS, ...labelNames],
          buckets,
          registers,
        }),
      );

    const enqueued = counter('operationsEnqueued', 'Operations made durable in the buffer by grant/revoke.', ['operation']);
    const enqueueDuration = histogram(
      'enqueueDuration',
      'Seconds grant/revoke took to make operations durable in Redis.',
      this.buckets.enqueue,
    );
    const flushed = counter('operationsFlushed', 'Operations OpenFGA accepted, by operation (grant|revoke).', ['operation']);
    const flushDuration = histogram(
      'flushDuration',
      'Flush duration in seconds by mode: inline (write), queue (claim and enqueue jobs), worker (one job written by a queue worker).',
      this.buckets.flush,
      ['mode'],
    );
    const flushFailures = counter('flushFailures', 'Flushes (or queue jobs) that left operations buffered after a transient failure.');
    const deadLettered = counter('operationsDeadLettered', 'Operations OpenFGA rejected permanently, moved to the dead-letter set.');
    const cleared = counter('operationsCleared', 'Pending operations discarded by clear().');
    const checks = counter('checks', 'Checks by where the answer came from: cache, openfga, or error (no answer).', ['source']);
    const checkDuration = histogram('checkDuration', 'Check latency in seconds, by source.', this.buckets.check, ['source']);
    const requestDuration = histogram(
      'requestDuration',
      'Requests to OpenFGA in seconds, by api (write|check|batchCheck|listObjects|listUsers|readChanges) and outcome (ok|error).',
      this.buckets.request,
      ['api', 'outcome'],
    );
    const feedChanges = counter('changeFeedChanges', "Changes read from OpenFGA's change feed and applied to the cache.");

    for (const { labels: l, service } of this.reported) {
      // Every connection's series exist from the start (both operations too), so rate() works before the first event.
      for (const operation of ['grant', 'revoke']) {
        enqueued.inc({ ...l, operation }, 0);
        flushed.inc({ ...l, operation }, 0);
      }
      for (const c of [flushFailures, deadLettered, cleared, feedChanges]) c.inc(l, 0);
      enqueueDuration.zero(l);
      const events = service.events as OpenFgaEvents | undefined;
      if (!events) continue;
      this.unsubscribe.push(
        events.on('enqueued', ({ operations, durationMs }) => {
          let grants = 0;
          for (const op of operations) if (op.kind === 'grant') grants++;
          if (grants) enqueued.inc({ ...l, operation: 'grant' }, grants);
          if (operations.length - grants) enqueued.inc({ ...l, operation: 'revoke' }, operations.length - grants);
          enqueueDuration.observe(l, durationMs / 1000);
        }),
        events.on('flushed', (e) => {
          if (e.writes) flushed.inc({ ...l, operation: 'grant' }, e.writes);
          if (e.deletes) flushed.inc({ ...l, operation: 'revoke' }, e.deletes);
          flushDuration.observe({ ...l, mode: e.jobId !== undefined ? 'worker' : e.mode }, e.durationMs / 1000);
        }),
        events.on('flushFailed', () => flushFailures.inc(l)),
        events.on('deadLettered', ({ operations }) => deadLettered.inc(l, operations.length)),
        events.on('cleared', ({ count }) => cleared.inc(l, count)),
        events.on('checked', ({ source, durationMs }) => {
          checks.inc({ ...l, source });
          checkDuration.observe({ ...l, source }, durationMs / 1000);
        }),
        events.on('request', ({ api, outcome, durationMs }) => requestDuration.observe({ ...l, api, outcome }, durationMs / 1000)),
        events.on('changeFeedApplied', ({ count }) => feedChanges.inc(l, count)),
      );
    }
  }

  private track<M extends Gauge<string> | Counter<string> | Histogram<string>>(metric: M): M {
    this.registered.push((metric as unknown as { name: string }).name);
    return metric;
  }

  /**
   * One `status()` per connection per scrape: every gauge collected in the same scrape shares the call;
   * undefined when it failed or timed out (one connection's Redis being down leaves the others' gauges alone).
   */
  private sampleStatus(c: Reported): Promise<OpenFgaStatus | undefined> {
    let sample = this.statusInFlight.get(c.name);
    if (!sample) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.statusTimeoutMs);
      });
      const status = c.service.status().catch(() => undefined);
      sample = Promise.race([status, timeout]).finally(() => {
        clearTimeout(timer);
        this.statusInFlight.delete(c.name);
      });
      this.statusInFlight.set(c.name, sample);
    }
    return sample;
  }
}

/** Sets the gauge for the connection being collected (its labels added). */
type SetGauge = (value: number, labels?: Record<string, string>) => void;

const OWNER = 'OpenFgaMetrics';

function validateMetricsOptions(options: unknown): OpenFgaMetricsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('', 'an object', options, OWNER);
  }
  const known = ['registry', 'prefix', 'buckets', 'statusTimeout', 'connections'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidOptionsError(key, `one of the known options (${known.join(', ')})`, 'an unknown option', OWNER);
  }
  const o = options as OpenFgaMetricsOptions;
  validateConnectionsOption(o.connections, 'OpenFgaMetrics');
  if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !PREFIX_PATTERN.test(o.prefix))) {
    throw new InvalidOptionsError('prefix', 'letters, digits, "_" or ":", not starting with a digit', o.prefix, OWNER);
  }
  const timeout = o.statusTimeout;
  if (timeout !== undefined && !isTimerSeconds(timeout)) {
    throw new InvalidOptionsError('statusTimeout', `a positive number of seconds, at most ${MAX_TIMER_SECONDS}`, timeout, OWNER);
  }
  if (o.registry !== undefined && typeof (o.registry as Partial<OpenFgaMetricsRegistry>).getSingleMetric !== 'function') {
    throw new InvalidOptionsError('registry', 'a prom-client Registry', typeof o.registry, OWNER);
  }
  for (const [key, buckets] of Object.entries(o.buckets ?? {})) {
    if (!(key in DEFAULT_METRICS_BUCKETS)) {
      throw new InvalidOptionsError(
        `buckets.${key}`,
        `one of the bucket sets (${Object.keys(DEFAULT_METRICS_BUCKETS).join(', ')})`,
        'an unknown bucket set',
        OWNER,
      );
    }
    if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b) => typeof b !== 'number' || !(b > 0))) {
      throw new InvalidOptionsError(`buckets.${key}`, 'a non-empty array of positive numbers of seconds', buckets, OWNER);
    }
  }
  return o;
}
