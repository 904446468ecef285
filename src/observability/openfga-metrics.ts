import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { OpenFgaService, OpenFgaStatus } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { loadOptionalPeer } from './load-optional-peer';
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

type PromClient = typeof import('prom-client');

const PREFIX_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const DEFAULT_STATUS_TIMEOUT = 3;

/**
 * Prometheus metrics of the write-behind buffer, registered on a prom-client
 * registry (prom-client's global `register` by default) by
 * `OpenFgaMetricsModule`. Counters and histograms follow the module's event
 * hub; the backlog gauges are read from `status()` (one Redis script) when the
 * registry is scraped. prom-client is loaded only when this class is created.
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
  private readonly registered: string[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private statusInFlight?: Promise<OpenFgaStatus | undefined>;

  constructor(
    private readonly service: OpenFgaService,
    @Inject(OPENFGA_OPTIONS) private readonly fgaOptions: ResolvedOpenFgaOptions,
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
    this.statusTimeoutMs = Math.round((o.statusTimeout ?? DEFAULT_STATUS_TIMEOUT) * 1000);
  }

  /** Registers the metrics and subscribes to the event hub. */
  onModuleInit(): void {
    if (this.registered.length > 0) return;
    const taken = Object.values(this.names).filter((name) => this.registry.getSingleMetric(name) !== undefined);
    if (taken.length > 0) {
      throw new Error(
        `OpenFgaMetricsModule: metrics ${taken.join(', ')} are already registered on this registry ` +
          '(is OpenFgaMetricsModule imported twice?): give each OpenFgaMetricsModule its own `registry` or `prefix`',
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

  /** Unsubscribes from the hub and removes the metrics from the registry (after the shutdown flush was counted). */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const name of this.registered.splice(0)) this.registry.removeSingleMetric(name);
  }

  private registerStatusGauges(): void {
    const { Gauge } = this.prom;
    const registers = [this.registry as Registry];
    const pending = this.track(
      new Gauge({
        name: this.names.pendingOperations,
        help: 'Operations waiting in the Redis buffer, by operation (grant|revoke).',
        labelNames: ['operation'] as const,
        registers,
        collect: async () => {
          const s = await this.sampleStatus();
          pending.set({ operation: 'grant' }, s ? s.pending.writes : NaN);
          pending.set({ operation: 'revoke' }, s ? s.pending.deletes : NaN);
        },
      }),
    );
    this.statusGauge('oldestPendingAge', 'Age of the oldest pending operation in seconds (0 when nothing is pending).', (s) =>
      s.oldestAgeMs === null ? 0 : s.oldestAgeMs / 1000,
    );
    this.statusGauge('inFlightOperations', 'Operations claimed by a flush and not yet settled.', (s) => s.inFlight);
    this.statusGauge('deadLetters', 'Operations in the dead-letter set (rejected permanently by OpenFGA).', (s) => s.deadLettered);
    const up = this.track(
      new Gauge({
        name: this.names.statusUp,
        help: 'Whether the last scrape could read the buffer status from Redis in time (1) or not (0).',
        registers,
        collect: async () => {
          up.set((await this.sampleStatus()) ? 1 : 0);
        },
      }),
    );
    if (this.fgaOptions.changeFeed.enabled) {
      this.statusGauge('changeFeedLag', 'Seconds since the change feed was last read to its end (NaN before the first poll).', (s) =>
        s.changeFeed?.lagMs === null || s.changeFeed?.lagMs === undefined ? NaN : s.changeFeed.lagMs / 1000,
      );
    }
    if (this.fgaOptions.cache) {
      this.statusGauge('redisMemoryUsage', 'Share of maxmemory the fullest Redis node uses (NaN when no node has a maxmemory).', (s) => {
        const m = s.cache?.redisMemory;
        return m ? m.usedBytes / m.maxBytes : NaN;
      });
      this.statusGauge('cachePaused', 'Whether answers are not cached now (a noeviction Redis node reached cacheMemoryLimit).', (s) =>
        s.cache?.paused ? 1 : 0,
      );
    }
    if (this.fgaOptions.queue.enabled) {
      const states = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
      const jobs = this.track(
        new Gauge({
          name: this.names.queueJobs,
          help: 'BullMQ flush jobs by state (queue mode).',
          labelNames: ['state'] as const,
          registers,
          collect: async () => {
            const s = await this.sampleStatus();
            for (const state of states) jobs.set({ state }, s?.queue ? s.queue[state] : NaN);
          },
        }),
      );
    }
  }

  private registerEventMetrics(): void {
    const { Counter, Histogram } = this.prom;
    const registers = [this.registry as Registry];
    const counter = <L extends string>(key: OpenFgaMetricKey, help: string, labelNames: readonly L[] = []): Counter<L> =>
      this.track(new Counter<L>({ name: this.names[key], help, labelNames, registers }));
    const histogram = <L extends string>(key: OpenFgaMetricKey, help: string, buckets: number[], labelNames: readonly L[] = []) =>
      this.track(new Histogram<L>({ name: this.names[key], help, labelNames, buckets, registers }));

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

    // Both operation labels exist from the start, so rate() works before the first revoke.
    for (const operation of ['grant', 'revoke']) {
      enqueued.inc({ operation }, 0);
      flushed.inc({ operation }, 0);
    }

    // The testing module's fake has no event hub: then only what needs none (the status gauges) works.
    const events = this.service.events as OpenFgaEvents | undefined;
    if (!events) return;
    this.unsubscribe.push(
      events.on('enqueued', ({ operations, durationMs }) => {
        let grants = 0;
        for (const op of operations) if (op.kind === 'grant') grants++;
        if (grants) enqueued.inc({ operation: 'grant' }, grants);
        if (operations.length - grants) enqueued.inc({ operation: 'revoke' }, operations.length - grants);
        enqueueDuration.observe(durationMs / 1000);
      }),
      events.on('flushed', (e) => {
        if (e.writes) flushed.inc({ operation: 'grant' }, e.writes);
        if (e.deletes) flushed.inc({ operation: 'revoke' }, e.deletes);
        flushDuration.observe({ mode: e.jobId !== undefined ? 'worker' : e.mode }, e.durationMs / 1000);
      }),
      events.on('flushFailed', () => flushFailures.inc()),
      events.on('deadLettered', ({ operations }) => deadLettered.inc(operations.length)),
      events.on('cleared', ({ count }) => cleared.inc(count)),
      events.on('checked', ({ source, durationMs }) => {
        checks.inc({ source });
        checkDuration.observe({ source }, durationMs / 1000);
      }),
      events.on('request', ({ api, outcome, durationMs }) => requestDuration.observe({ api, outcome }, durationMs / 1000)),
      events.on('changeFeedApplied', ({ count }) => feedChanges.inc(count)),
    );
  }

  private statusGauge(key: OpenFgaMetricKey, help: string, read: (s: OpenFgaStatus) => number): void {
    const gauge: Gauge = this.track(
      new this.prom.Gauge({
        name: this.names[key],
        help,
        registers: [this.registry as Registry],
        collect: async () => {
          const s = await this.sampleStatus();
          gauge.set(s ? read(s) : NaN);
        },
      }),
    );
  }

  private track<M extends Gauge<string> | Counter<string> | Histogram<string>>(metric: M): M {
    this.registered.push((metric as unknown as { name: string }).name);
    return metric;
  }

  /** One `status()` per scrape: every gauge collected in the same scrape shares the call; undefined when it failed or timed out. */
  private sampleStatus(): Promise<OpenFgaStatus | undefined> {
    if (!this.statusInFlight) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.statusTimeoutMs);
      });
      const status = this.service.status().catch(() => undefined);
      this.statusInFlight = Promise.race([status, timeout]).finally(() => {
        clearTimeout(timer);
        this.statusInFlight = undefined;
      });
    }
    return this.statusInFlight;
  }
}

function validateMetricsOptions(options: unknown): OpenFgaMetricsOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`OpenFgaMetrics options must be an object (received ${String(options)})`);
  }
  const known = ['registry', 'prefix', 'buckets', 'statusTimeout'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`Unknown OpenFgaMetrics option "${key}": expected one of ${known.join(', ')}`);
  }
  const o = options as OpenFgaMetricsOptions;
  if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !PREFIX_PATTERN.test(o.prefix))) {
    throw new TypeError(
      `OpenFgaMetrics option "prefix" must be letters, digits, "_" or ":", not starting with a digit (received ${JSON.stringify(o.prefix)})`,
    );
  }
  if (o.statusTimeout !== undefined && !(typeof o.statusTimeout === 'number' && Number.isFinite(o.statusTimeout) && o.statusTimeout > 0)) {
    throw new RangeError(
      `OpenFgaMetrics option "statusTimeout" must be a positive number of seconds (received ${String(o.statusTimeout)})`,
    );
  }
  if (o.registry !== undefined && typeof (o.registry as Partial<OpenFgaMetricsRegistry>).getSingleMetric !== 'function') {
    throw new TypeError('OpenFgaMetrics option "registry" must be a prom-client Registry');
  }
  for (const [key, buckets] of Object.entries(o.buckets ?? {})) {
    if (!(key in DEFAULT_METRICS_BUCKETS)) {
      throw new TypeError(`Unknown OpenFgaMetrics bucket set "${key}": expected one of ${Object.keys(DEFAULT_METRICS_BUCKETS).join(', ')}`);
    }
    if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b) => typeof b !== 'number' || !(b > 0))) {
      throw new RangeError(`OpenFgaMetrics option "buckets.${key}" must be a non-empty array of positive numbers of seconds`);
    }
  }
  return o;
}
