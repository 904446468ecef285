/**
 * Prometheus metrics through prom-client, on the real Redis and
 * OpenFGA. The app's prom-client registry is scraped as Prometheus would
 * (its text output) and the values are asserted after real grants, flushes,
 * checks, dead letters, queue jobs, change-feed polls and outages.
 */
import { Test, TestingModule } from '@nestjs/testing';
import { OpenFgaClient } from '@openfga/sdk';
import { register as globalRegister, Registry } from 'prom-client';
import {
  InvalidOptionsError,
  OpenFgaMetrics,
  OpenFgaMetricsModule,
  OpenFgaMetricsOptions,
  OpenFgaModule,
  OpenFgaModuleOptions,
  OpenFgaService,
} from '../../src';
import { OpenFgaTestingModule } from '../../src/testing';
import { startTupleFaultProxy } from '../support/faults/tuple-fault-proxy';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import { freePort, startRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (what a scrape reads). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of one sample; undefined when the registry has no such sample. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

const scrape = async (registry: Registry) => parse(await registry.metrics());

describe('OpenFgaMetricsModule on the real servers', () => {
  let store: TestStore;
  const apps: TestingModule[] = [];

  async function open(options: OpenFgaModuleOptions, metrics?: OpenFgaMetricsOptions) {
    const app = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot(options), metrics ? OpenFgaMetricsModule.forRoot(metrics) : OpenFgaMetricsModule],
    }).compile();
    apps.push(app);
    await app.init();
    return { app, fga: app.get(OpenFgaService), metrics: app.get(OpenFgaMetrics) };
  }

  beforeEach(async () => {
    store = await freshStore('metrics');
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
  });

  it('reports backlog, enqueues, flushes, dead letters and checks by source after a real grant/flush/check cycle', async () => {
    const registry = new Registry();
    // The poison grant below passes the model the app read; the model changes before its flush.
    const { fga } = await open(testOptions(store, { changeFeed: { enabled: false }, ...(await lenientModelFirst(store)) }), { registry });
    await fixtureModelAgain(store);
    const sources: string[] = []; // what the service reported for each check, to compare the counters with
    fga.events.on('checked', ({ source }) => sources.push(source));

    await fga.grantMany([
      { user: 'user:anne', relation: 'viewer', object: 'document:a' },
      { user: 'user:bob', relation: 'viewer', object: 'document:a' },
      { user: 'user:carl', relation: 'editor', object: 'document:b' },
    ]);
    await fga.revoke('user:dora', 'viewer', 'document:c');
    await fga.grant('user:erin', 'no_such_relation', 'document:d'); // OpenFGA rejects it: dead-lettered at flush

    let s = await scrape(registry);
    expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' })).toBe(4);
    expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'revoke' })).toBe(1);
    expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBeLessThan(60);
    expect(value(s, 'nestjs_openfga_in_flight_operations')).toBe(0);
    expect(value(s, 'nestjs_openfga_dead_letters')).toBe(0);
    expect(value(s, 'nestjs_openfga_status_up')).toBe(1);
    // The shared test Redis has no maxmemory: no usage share to report, and answers are cached.
    expect(value(s, 'nestjs_openfga_redis_memory_usage_ratio')).toBeNaN();
    expect(value(s, 'nestjs_openfga_cache_paused')).toBe(0);
    expect(value(s, 'nestjs_openfga_operations_enqueued_total', { operation: 'grant' })).toBe(4);
    expect(value(s, 'nestjs_openfga_operations_enqueued_total', { operation: 'revoke' })).toBe(1);
    expect(value(s, 'nestjs_openfga_enqueue_duration_seconds_count')).toBe(3);
    expect(value(s, 'nestjs_openfga_operations_flushed_total', { operation: 'grant' })).toBe(0);
    expect(value(s, 'nestjs_openfga_checks_total', { source: 'openfga' })).toBeUndefined(); // no check yet

    const result = await fga.flush();
    expect(result).toMatchObject({ writes: 3, deletes: 1, deadLettered: 1, failed: 0 });
    expect(await fga.check('user:carl', 'editor', 'document:b')).toBe(true); // OpenFGA, then cached
    expect(await fga.check('user:carl', 'editor', 'document:b')).toBe(true); // the cache
    expect(await fga.check('user:zed', 'viewer', 'document:b')).toBe(false); // OpenFGA: denied
    expect(sources).toEqual(['openfga', 'cache', 'openfga']);

    s = await scrape(registry);
    expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' })).toBe(0);
    expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'revoke' })).toBe(0);
    expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBe(0);
    expect(value(s, 'nestjs_openfga_dead_letters')).toBe(1);
    expect(value(s, 'nestjs_openfga_operations_flushed_total', { operation: 'grant' })).toBe(3);
    expect(value(s, 'nestjs_openfga_operations_flushed_total', { operation: 'revoke' })).toBe(1);
    expect(value(s, 'nestjs_openfga_operations_dead_lettered_total')).toBe(1);
    expect(value(s, 'nestjs_openfga_flush_failures_total')).toBe(0);
    expect(value(s, 'nestjs_openfga_flush_duration_seconds_count', { mode: 'inline' })).toBe(1);
    expect(value(s, 'nestjs_openfga_flush_duration_seconds_sum', { mode: 'inline' })).toBeGreaterThan(0);
    expect(value(s, 'nestjs_openfga_checks_total', { source: 'openfga' })).toBe(2);
    expect(value(s, 'nestjs_openfga_checks_total', { source: 'cache' })).toBe(1);
    expect(value(s, 'nestjs_openfga_check_duration_seconds_count', { source: 'openfga' })).toBe(2);
    expect(value(s, 'nestjs_openfga_check_duration_seconds_bucket', { source: 'cache', le: '+Inf' })).toBe(1);
    expect(value(s, 'nestjs_openfga_request_duration_seconds_count', { api: 'write', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(value(s, 'nestjs_openfga_request_duration_seconds_count', { api: 'check', outcome: 'ok' })).toBe(2);

    await fga.grant('user:fay', 'viewer', 'document:e');
    expect(await fga.clear()).toBe(1);
    expect(await fga.check('user:gus', 'viewer', 'document:e')).toBe(false);
    s = await scrape(registry);
    expect(value(s, 'nestjs_openfga_operations_cleared_total')).toBe(1);
    // Every check counted under the source the service reported, and timed under it.
    for (const source of new Set(sources)) {
      const n = sources.filter((x) => x === source).length;
      expect(value(s, 'nestjs_openfga_checks_total', { source })).toBe(n);
      expect(value(s, 'nestjs_openfga_check_duration_seconds_count', { source })).toBe(n);
    }

    // No tuple contents, ever: only the fixed label sets.
    const text = await registry.metrics();
    expect(text).not.toMatch(/user:|document:|viewer|editor|no_such_relation/);
    const labelNames = new Set(parse(text).flatMap((x) => Object.keys(x.labels)));
    expect([...labelNames].sort()).toEqual(['api', 'connection', 'le', 'mode', 'operation', 'outcome', 'source', 'store']);
    // Every sample names its connection and store.
    for (const sample of parse(text)) expect(sample.labels).toMatchObject({ connection: 'default', store: store.storeId });
    // Prometheus naming: counters end in _total, durations in _seconds.
    for (const line of text.split('\n').filter((l) => l.startsWith('# TYPE'))) {
      const [, , name, type] = line.split(' ');
      expect(name.startsWith('nestjs_openfga_')).toBe(true);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
  });

  it('counts failed checks, failed OpenFGA requests and failed flushes when OpenFGA is unreachable', async () => {
    const registry = new Registry();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const { fga } = await open(
      testOptions(store, { apiUrl: closed, checkTimeout: 1, requestTimeout: 0.5, changeFeed: { enabled: false } }),
      { registry },
    );
    await fga.grant('user:anne', 'viewer', 'document:a');
    await expect(fga.check('user:bob', 'viewer', 'document:a')).rejects.toThrow();
    const result = await fga.flush();
    expect(result.failed).toBe(1);

    const s = await scrape(registry);
    expect(value(s, 'nestjs_openfga_checks_total', { source: 'error' })).toBe(1);
    expect(value(s, 'nestjs_openfga_request_duration_seconds_count', { api: 'check', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(value(s, 'nestjs_openfga_request_duration_seconds_count', { api: 'write', outcome: 'error' })).toBeGreaterThanOrEqual(1);
    expect(value(s, 'nestjs_openfga_flush_failures_total')).toBe(1);
    expect(value(s, 'nestjs_openfga_operations_flushed_total', { operation: 'grant' })).toBe(0);
    // Still in Redis for the retry (waiting out its backoff: pending or in flight, depending on how the buffer counts it).
    expect(
      (value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' }) ?? 0) + (value(s, 'nestjs_openfga_in_flight_operations') ?? 0),
    ).toBe(1);
  });

  it('reports the age of operations OpenFGA refused to write (waiting out a retry backoff) as the oldest age', async () => {
    // Writes answer 503, everything else is forwarded: OpenFGA looks up, yet nothing reaches it.
    const proxy = await startTupleFaultProxy(serverEnv().apiUrl);
    try {
      proxy.fault = () => ({ status: 503, code: 'unavailable', message: 'write path down' });
      const registry = new Registry();
      const { fga } = await open(testOptions(store, { apiUrl: proxy.url, changeFeed: { enabled: false } }), { registry });
      await fga.grantMany(['a', 'b', 'c'].map((id) => ({ user: `user:${id}`, relation: 'viewer', object: 'document:refused' })));
      const grantedAt = Date.now();
      expect(await fga.flush()).toMatchObject({ writes: 0, failed: 3 });
      await new Promise((r) => setTimeout(r, 500));

      let s = await scrape(registry);
      expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' })).toBe(0);
      expect(value(s, 'nestjs_openfga_in_flight_operations')).toBe(3);
      expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(0.5);
      expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBeLessThanOrEqual((Date.now() - grantedAt) / 1000 + 0.05);

      proxy.fault = () => 'forward';
      expect(await fga.flush()).toMatchObject({ writes: 3, failed: 0 });
      s = await scrape(registry);
      expect(value(s, 'nestjs_openfga_in_flight_operations')).toBe(0);
      expect(value(s, 'nestjs_openfga_oldest_pending_age_seconds')).toBe(0);
    } finally {
      for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
      await proxy.close();
    }
  });

  it('reads the status gauges as NaN and status_up 0 when Redis does not answer, within statusTimeout', async () => {
    const redis = await startRedis();
    try {
      const registry = new Registry();
      await open(testOptions(store, { redis: redis.url, changeFeed: { enabled: false } }), { registry, statusTimeout: 0.5 });
      expect(value(await scrape(registry), 'nestjs_openfga_status_up')).toBe(1);

      await redis.stop();
      const started = Date.now();
      const s = await scrape(registry);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(value(s, 'nestjs_openfga_status_up')).toBe(0);
      expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' })).toBeNaN();
      expect(value(s, 'nestjs_openfga_in_flight_operations')).toBeNaN();
      expect(value(s, 'nestjs_openfga_dead_letters')).toBeNaN();

      // Back on the same port: the next scrape reads the status again.
      const back = await startRedis({ port: redis.port });
      try {
        await eventually(
          'status_up 1 again',
          async () => value(await scrape(registry), 'nestjs_openfga_status_up') === 1 || undefined,
          15_000,
        );
        for (const app of apps.splice(0).reverse()) await app.close();
      } finally {
        await back.stop();
      }
    } finally {
      await redis.stop();
    }
  });

  it('counts what queue workers write (mode "worker") apart from the producer flush (mode "queue"), and reports job counts', async () => {
    const registry = new Registry();
    const { fga } = await open(
      testOptions(store, { batchSize: 2, changeFeed: { enabled: false }, queue: { enabled: true, backoff: 0.2, timeout: 5 } }),
      { registry },
    );
    await fga.grantMany([
      { user: 'user:a', relation: 'viewer', object: 'document:q1' },
      { user: 'user:b', relation: 'viewer', object: 'document:q2' },
      { user: 'user:c', relation: 'viewer', object: 'document:q3' },
    ]);
    expect(await fga.flush()).toMatchObject({ queued: 3, jobs: 2 });

    const s = await eventually('both jobs written and settled', async () => {
      const samples = await scrape(registry);
      return value(samples, 'nestjs_openfga_operations_flushed_total', { operation: 'grant' }) === 3 &&
        value(samples, 'nestjs_openfga_queue_jobs', { state: 'completed' }) === 2
        ? samples
        : undefined;
    });
    expect(value(s, 'nestjs_openfga_flush_duration_seconds_count', { mode: 'queue' })).toBe(1);
    expect(value(s, 'nestjs_openfga_flush_duration_seconds_count', { mode: 'worker' })).toBe(2);
    expect(value(s, 'nestjs_openfga_flush_duration_seconds_count', { mode: 'inline' })).toBeUndefined();
    expect(value(s, 'nestjs_openfga_in_flight_operations')).toBe(0);
    expect(value(s, 'nestjs_openfga_queue_jobs', { state: 'failed' })).toBe(0);
  });

  it('reports the change feed: its lag and the changes it applied (a tuple written to OpenFGA directly)', async () => {
    const registry = new Registry();
    await open(testOptions(store, { changeFeed: { enabled: true, interval: 0.2 } }), { registry });
    await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).writeTuples([
      { user: 'user:outside', relation: 'viewer', object: 'document:f' },
    ]);
    const s = await eventually('the feed applied the change', async () => {
      const samples = await scrape(registry);
      return (value(samples, 'nestjs_openfga_change_feed_changes_total') ?? 0) >= 1 ? samples : undefined;
    });
    const lag = value(s, 'nestjs_openfga_change_feed_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(10);
    expect(value(s, 'nestjs_openfga_request_duration_seconds_count', { api: 'readChanges', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it("registers on prom-client's global register by default, unregisters on close, and refuses a second module on the same names", async () => {
    const a = await open(testOptions(store));
    expect(a.metrics.registry).toBe(globalRegister);
    expect(globalRegister.getSingleMetric('nestjs_openfga_pending_operations')).toBeDefined();
    expect(globalRegister.getSingleMetric('nestjs_openfga_change_feed_lag_seconds')).toBeDefined(); // changeFeed is on by default
    expect(globalRegister.getSingleMetric('nestjs_openfga_queue_jobs')).toBeUndefined(); // queue mode is off

    // (With the testing module: a Nest app whose init failed cannot be closed, so it must hold no Redis connection.)
    await expect(
      Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), OpenFgaMetricsModule] })
        .compile()
        .then((app) => app.init()),
    ).rejects.toThrow(/metrics nestjs_openfga_pending_operations, .* are already registered on this registry .*own `registry` or `prefix`/);
    // A prefix of its own fits next to it.
    const b = await open(testOptions(store), { prefix: 'other_openfga_' });
    expect(b.metrics.names.checks).toBe('other_openfga_checks_total');
    expect(globalRegister.getSingleMetric('other_openfga_checks_total')).toBeDefined();

    for (const app of apps.splice(0).reverse()) await app.close();
    expect(globalRegister.getMetricsAsArray().filter((m) => /openfga/.test(m.name))).toEqual([]);
    const c = await open(testOptions(store)); // registers again after the others closed
    expect(c.metrics.registry).toBe(globalRegister);
  });

  it('rejects bad options at start-up, naming the option', async () => {
    const attempt = (options: unknown) =>
      Test.createTestingModule({
        imports: [OpenFgaTestingModule.forRoot(), OpenFgaMetricsModule.forRoot(options as OpenFgaMetricsOptions)],
      }).compile();
    await expect(attempt({ prefix: '9bad' })).rejects.toThrow('OpenFgaMetrics option "prefix" must be letters');
    await expect(attempt({ statusTimeout: 0 })).rejects.toThrow('OpenFgaMetrics option "statusTimeout" must be a positive number');
    // Longer than a Node.js timer holds: it would fire after 1 ms and every scrape would read the status as missing.
    await expect(attempt({ statusTimeout: 3e6 })).rejects.toThrow(
      'OpenFgaMetrics option "statusTimeout" must be a positive number of seconds, at most 2147483',
    );
    await expect(attempt({ registry: {} })).rejects.toThrow('OpenFgaMetrics option "registry" must be a prom-client Registry');
    await expect(attempt({ buckets: { check: [] } })).rejects.toThrow('"buckets.check" must be a non-empty array');
    await expect(attempt({ registy: new Registry() })).rejects.toThrow('OpenFgaMetrics option "registy" must be one of the known options');
    await expect(attempt({ statusTimeout: -1 })).rejects.toBeInstanceOf(InvalidOptionsError);
  });

  it("works with the testing module's fake: status gauges from the fake, no event counters", async () => {
    const registry = new Registry();
    const app = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot(), OpenFgaMetricsModule.forRoot({ registry })],
    }).compile();
    apps.push(app);
    await app.init();
    await app.get(OpenFgaService).grant('user:anne', 'viewer', 'document:a');
    const s = await scrape(registry);
    expect(value(s, 'nestjs_openfga_pending_operations', { operation: 'grant' })).toBe(1);
    expect(value(s, 'nestjs_openfga_status_up')).toBe(1);
  });
});
