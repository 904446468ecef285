/**
 * Metrics, spans and Nest events of an app with two connections (the default
 * one and `billing`, each on its own store), on the real Redis and OpenFGA:
 * one metric name per metric with a `connection` and a `store` label, spans
 * naming their connection, events carrying it; and an app with named
 * connections only.
 */
import { Injectable, ModuleMetadata } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import type { Attributes, Span, SpanOptions, Tracer, TracerProvider } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import {
  getOpenFgaServiceToken,
  OPENFGA_SPAN_ATTRIBUTES as A,
  OPENFGA_SPANS,
  OpenFgaEventEmitterModule,
  OpenFgaMetrics,
  OpenFgaMetricsModule,
  OpenFgaModule,
  OpenFgaNestEvent,
  OpenFgaService,
  OpenFgaTracingModule,
} from '../../src';
import { OpenFgaTestingModule } from '../../src/testing';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';

/** Parses the Prometheus text format into samples. */
function parse(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const found = parse(await registry.metrics()).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} samples`);
  return found[0]?.value;
}

/** Keeps the name and attributes of every span started (a real @opentelemetry/api TracerProvider, minimal). */
class SpanRecorder implements TracerProvider {
  readonly spans: { name: string; attributes: Attributes }[] = [];
  getTracer(): Tracer {
    const startSpan = (name: string, options: SpanOptions = {}): Span => {
      this.spans.push({ name, attributes: { ...options.attributes } });
      return { setStatus: () => undefined, end: () => undefined } as unknown as Span;
    };
    return { startSpan } as unknown as Tracer;
  }
}

@Injectable()
class Enqueued {
  readonly seen: OpenFgaNestEvent<'enqueued'>[] = [];
  @OnEvent('openfga.enqueued')
  on(e: OpenFgaNestEvent<'enqueued'>) {
    this.seen.push(e);
  }
}

const quiet = { changeFeed: { enabled: false } };

describe('observability with two connections, on the real servers', () => {
  let main: TestStore;
  let billing: TestStore;
  const apps: TestingModule[] = [];

  async function open(imports: ModuleMetadata['imports']) {
    const app = await Test.createTestingModule({ imports, providers: [Enqueued] }).compile();
    apps.push(app);
    await app.init();
    return app;
  }

  beforeAll(async () => {
    [main, billing] = await Promise.all([freshStore('obs-main'), freshStore('obs-billing')]);
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
  });

  it('one metric name per metric, a connection and a store label per connection; spans and events name their connection', async () => {
    const registry = new Registry();
    const tracer = new SpanRecorder();
    const app = await open([
      EventEmitterModule.forRoot(),
      OpenFgaModule.forRoot(testOptions(main, quiet)),
      OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, quiet) }),
      OpenFgaMetricsModule.forRoot({ registry }),
      OpenFgaTracingModule.forRoot({ tracerProvider: tracer }),
      OpenFgaEventEmitterModule,
    ]);
    const fga = app.get(OpenFgaService);
    const billingFga = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
    expect(app.get(OpenFgaMetrics).connections).toEqual(['default', 'billing']);

    await fga.grantMany([
      { user: 'user:anne', relation: 'viewer', object: 'document:a' },
      { user: 'user:bob', relation: 'viewer', object: 'document:a' },
    ]);
    await billingFga.revoke('user:carl', 'viewer', 'document:b');

    const def = { connection: 'default', store: main.storeId };
    const bil = { connection: 'billing', store: billing.storeId };
    const pending = 'nestjs_openfga_pending_operations';
    expect(await metric(registry, pending, { ...def, operation: 'grant' })).toBe(2);
    expect(await metric(registry, pending, { ...def, operation: 'revoke' })).toBe(0);
    expect(await metric(registry, pending, { ...bil, operation: 'grant' })).toBe(0);
    expect(await metric(registry, pending, { ...bil, operation: 'revoke' })).toBe(1);
    expect(await metric(registry, 'nestjs_openfga_status_up', def)).toBe(1);
    expect(await metric(registry, 'nestjs_openfga_status_up', bil)).toBe(1);
    expect(await metric(registry, 'nestjs_openfga_operations_enqueued_total', { ...bil, operation: 'revoke' })).toBe(1);

    expect(await billingFga.flush()).toMatchObject({ deletes: 1 });
    expect(await metric(registry, 'nestjs_openfga_operations_flushed_total', { ...bil, operation: 'revoke' })).toBe(1);
    expect(await metric(registry, 'nestjs_openfga_flush_duration_seconds_count', { ...bil, mode: 'inline' })).toBe(1);
    expect(await metric(registry, 'nestjs_openfga_flush_duration_seconds_count', { ...def, mode: 'inline' })).toBeUndefined();
    expect(await metric(registry, pending, { ...def, operation: 'grant' })).toBe(2); // the other connection's flush left it alone

    // One TYPE line per metric: the connections share the metric objects (no duplicate registration).
    const text = await registry.metrics();
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE'));
    expect(new Set(types).size).toBe(types.length);
    // Only the connection and its store: never tuple contents.
    expect(new Set(parse(text).map((s) => `${s.labels.connection} ${s.labels.store}`))).toEqual(
      new Set([`default ${main.storeId}`, `billing ${billing.storeId}`]),
    );
    expect(text).not.toMatch(/user:|document:|viewer/);

    const grant = tracer.spans.find((s) => s.name === OPENFGA_SPANS.grant);
    const revoke = tracer.spans.find((s) => s.name === OPENFGA_SPANS.revoke);
    expect(grant?.attributes).toMatchObject({ [A.connection]: 'default', [A.storeId]: main.storeId, [A.count]: 2 });
    expect(revoke?.attributes).toMatchObject({ [A.connection]: 'billing', [A.storeId]: billing.storeId, [A.count]: 1 });
    const flush = tracer.spans.find((s) => s.name === OPENFGA_SPANS.flush);
    expect(flush?.attributes).toMatchObject({ [A.connection]: 'billing', [A.storeId]: billing.storeId });

    expect(app.get(Enqueued).seen.map((e) => [e.connection, e.storeId, e.operations.length])).toEqual([
      ['default', main.storeId, 2],
      ['billing', billing.storeId, 1],
    ]);
  });

  it('reports status_up 0 for the connection whose Redis is gone, and the other connection as before', async () => {
    const redis = await startRedis();
    try {
      const registry = new Registry();
      const app = await open([
        OpenFgaModule.forRoot(testOptions(main, quiet)),
        OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, { ...quiet, redis: redis.url }) }),
        OpenFgaMetricsModule.forRoot({ registry, statusTimeout: 0.5 }),
      ]);
      await app.get(OpenFgaService).grant('user:anne', 'viewer', 'document:a');
      await redis.stop();
      const up = (connection: string) => metric(registry, 'nestjs_openfga_status_up', { connection });
      expect(await up('default')).toBe(1);
      expect(await up('billing')).toBe(0);
      expect(await metric(registry, 'nestjs_openfga_pending_operations', { connection: 'default', operation: 'grant' })).toBe(1);
      expect(await metric(registry, 'nestjs_openfga_pending_operations', { connection: 'billing', operation: 'grant' })).toBeNaN();
    } finally {
      for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
      await redis.stop();
    }
  });

  it('works with named connections only; `connections` picks some, and an unknown one fails the start naming those there are', async () => {
    const registry = new Registry();
    const app = await open([
      OpenFgaModule.forRoot({ name: 'billing', ...testOptions(billing, quiet) }),
      OpenFgaModule.forRoot({ name: 'crm', ...testOptions(main, quiet) }),
      OpenFgaMetricsModule.forRoot({ registry, connections: ['crm'] }),
      OpenFgaTracingModule.forRoot({ tracerProvider: new SpanRecorder() }),
    ]);
    expect(app.get(OpenFgaMetrics).connections).toEqual(['crm']);
    const connections = new Set(parse(await registry.metrics()).map((s) => s.labels.connection));
    expect([...connections]).toEqual(['crm']);

    // (The testing module's fake: an app whose init failed cannot be closed, so it must hold no Redis connection.)
    const attempt = Test.createTestingModule({
      imports: [
        OpenFgaTestingModule.forRoot({ name: 'billing' }),
        OpenFgaMetricsModule.forRoot({ registry: new Registry(), connections: ['default'] }),
      ],
    })
      .compile()
      .then((failing) => failing.init());
    await expect(attempt).rejects.toThrow('OpenFgaMetricsModule: no OpenFGA connection "default" (registered: billing)');
    await expect(Test.createTestingModule({ imports: [OpenFgaMetricsModule.forRoot({ connections: [] })] }).compile()).rejects.toThrow(
      'OpenFgaMetrics option "connections" must be a non-empty array of connection names',
    );
  });
});
