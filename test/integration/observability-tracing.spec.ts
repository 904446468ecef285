/**
 * OpenTelemetry spans through @opentelemetry/api, on the real
 * Redis and OpenFGA. No OpenTelemetry SDK is installed here, so the spans go
 * to a small TracerProvider written against the @opentelemetry/api
 * interfaces that records them (a real API consumer, as an SDK is), and an
 * AsyncLocalStorage context manager carries the active span across awaits,
 * as the SDK's does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  Attributes,
  AttributeValue,
  Context,
  context,
  ContextManager,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanOptions,
  SpanStatus,
  SpanStatusCode,
  TimeInput,
  trace,
  TraceFlags,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { Test, TestingModule } from '@nestjs/testing';
import {
  OPENFGA_SPAN_ATTRIBUTES,
  OPENFGA_SPANS,
  OpenFgaModule,
  OpenFgaModuleOptions,
  OpenFgaService,
  OpenFgaTracingModule,
  OpenFgaTracingOptions,
} from '../../src';
import { OpenFgaTestingModule } from '../../src/testing';
import { freshStore, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import { freePort } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';

interface RecordedSpan {
  name: string;
  kind: SpanKind;
  attributes: Attributes;
  status: SpanStatus;
  startMs: number;
  endMs?: number;
  context: SpanContext;
  parentSpanId?: string;
  scope: { name: string; version?: string };
}

function toMs(time: TimeInput): number {
  if (typeof time === 'number') return time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

class RecordingSpan implements Span {
  constructor(private readonly r: RecordedSpan) {}
  spanContext(): SpanContext {
    return this.r.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.r.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.r.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.r.status = status;
    return this;
  }
  updateName(name: string): this {
    this.r.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.r.endMs === undefined) this.r.endMs = toMs(endTime ?? Date.now());
  }
  isRecording(): boolean {
    return this.r.endMs === undefined;
  }
  recordException(): void {}
}

/** A TracerProvider that keeps every span it starts, in order. */
class RecordingTracerProvider implements TracerProvider {
  readonly spans: RecordedSpan[] = [];

  getTracer(name: string, version?: string): Tracer {
    const spans = this.spans;
    const scope = { name, version };
    function startSpan(spanName: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
      const parent = options.root ? undefined : trace.getSpanContext(ctx);
      const record: RecordedSpan = {
        name: spanName,
        kind: options.kind ?? SpanKind.INTERNAL,
        attributes: { ...options.attributes },
        status: { code: SpanStatusCode.UNSET },
        startMs: toMs(options.startTime ?? Date.now()),
        context: {
          traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
          spanId: randomBytes(8).toString('hex'),
          traceFlags: TraceFlags.SAMPLED,
        },
        parentSpanId: parent?.spanId,
        scope,
      };
      spans.push(record);
      return new RecordingSpan(record);
    }
    function startActiveSpan<F extends (span: Span) => unknown>(
      spanName: string,
      ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
    ) {
      const fn = args[args.length - 1] as F;
      const options = args.length > 1 ? (args[0] as SpanOptions) : {};
      const ctx = args.length > 2 ? (args[1] as Context) : context.active();
      const span = startSpan(spanName, options, ctx);
      return context.with(trace.setSpan(ctx, span), fn as (s: Span) => ReturnType<F>, undefined, span);
    }
    return { startSpan, startActiveSpan } as Tracer;
  }

  named(name: string): RecordedSpan[] {
    return this.spans.filter((s) => s.name === name);
  }

  only(name: string): RecordedSpan {
    const found = this.named(name);
    if (found.length !== 1) throw new Error(`expected one ${name} span, got ${found.length}: ${this.spans.map((s) => s.name).join(', ')}`);
    return found[0];
  }

  clear(): void {
    this.spans.splice(0);
  }
}

/** The active context in AsyncLocalStorage, as @opentelemetry/context-async-hooks does. */
class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A) {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (self: unknown, args: unknown[]) => this.with(ctx, () => (target as (...a: unknown[]) => unknown).apply(self, args));
    return function (this: unknown, ...args: unknown[]) {
      return run(this, args);
    } as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const A = OPENFGA_SPAN_ATTRIBUTES;
const ownSpans = (p: RecordingTracerProvider) => p.spans.filter((s) => s.name.startsWith('openfga.'));

describe('OpenFgaTracingModule on the real servers', () => {
  let store: TestStore;
  const global = new RecordingTracerProvider();
  const apps: TestingModule[] = [];

  async function open(options: OpenFgaModuleOptions, tracing?: OpenFgaTracingOptions) {
    const app = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot(options), tracing ? OpenFgaTracingModule.forRoot(tracing) : OpenFgaTracingModule],
    }).compile();
    apps.push(app);
    await app.init();
    return app.get(OpenFgaService);
  }

  beforeAll(() => {
    expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager())).toBe(true);
    expect(trace.setGlobalTracerProvider(global)).toBe(true);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(async () => {
    store = await freshStore('tracing');
    global.clear();
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
  });

  it('records grant, check, flush and OpenFGA request spans with real times, inside the caller’s active span', async () => {
    const fga = await open(testOptions(store, { changeFeed: { enabled: false } }));
    const tracer = trace.getTracer('test-app');
    const before = Date.now();
    const sources: string[] = []; // where the service says each check was answered
    fga.events.on('checked', ({ source }) => sources.push(source));

    await tracer.startActiveSpan('POST /documents', async (request) => {
      await fga.grant('user:anne', 'editor', 'document:a');
      expect(await fga.check('user:anne', 'editor', 'document:a')).toBe(true);
      request.end();
    });
    const request = global.only('POST /documents');

    const grant = global.only(OPENFGA_SPANS.grant);
    expect(grant.parentSpanId).toBe(request.context.spanId);
    expect(grant.context.traceId).toBe(request.context.traceId);
    expect(grant.kind).toBe(SpanKind.INTERNAL);
    expect(grant.attributes).toEqual({
      [A.connection]: 'default',
      [A.storeId]: store.storeId,
      [A.operation]: 'grant',
      [A.count]: 1,
      [A.bufferPosition]: expect.any(Number),
      [A.outcome]: 'invalidated',
    });
    expect(grant.scope).toEqual({ name: 'nestjs-openfga', version: '0.1.0' });

    const bufferCheck = global.only(OPENFGA_SPANS.check);
    expect(bufferCheck.parentSpanId).toBe(request.context.spanId);
    expect(sources).toHaveLength(1); // the buffer knows the exact tuple: a hit (populated if the read path asked OpenFGA)
    expect(bufferCheck.attributes).toEqual({
      [A.connection]: 'default',
      [A.storeId]: store.storeId,
      [A.operation]: 'check',
      [A.checkSource]: sources[0],
      [A.checkAllowed]: true,
      [A.consistency]: 'minimize-latency',
      [A.outcome]: sources[0] === 'openfga' ? 'populated' : 'hit',
    });
    // Recorded after the fact with the real start and end: inside the request span, in order.
    for (const span of [grant, bufferCheck]) {
      expect(span.startMs).toBeGreaterThanOrEqual(before - 1);
      expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
      expect(span.endMs).toBeLessThanOrEqual(request.endMs as number);
    }
    expect(bufferCheck.startMs).toBeGreaterThanOrEqual((grant.endMs as number) - 1); // end times are whole milliseconds

    await fga.flush();
    global.clear();
    await fga.grant('user:bob', 'editor', 'document:b');
    await fga.revoke('user:carl', 'viewer', 'document:a');
    const result = await fga.flush();
    expect(result).toMatchObject({ writes: 1, deletes: 1 });
    expect(global.only(OPENFGA_SPANS.revoke).attributes).toMatchObject({ [A.operation]: 'revoke', [A.count]: 1 });
    const flush = global.only(OPENFGA_SPANS.flush);
    expect(flush.parentSpanId).toBeUndefined(); // no active span around this flush
    expect(flush.status.code).toBe(SpanStatusCode.UNSET);
    expect(flush.attributes).toEqual({
      [A.connection]: 'default',
      [A.storeId]: store.storeId,
      [A.operation]: 'flush',
      [A.flushMode]: 'inline',
      [A.count]: 2,
      [A.flushWrites]: 1,
      [A.flushDeletes]: 1,
      [A.flushFailed]: 0,
      [A.flushDeadLettered]: 0,
      [A.outcome]: 'ok',
    });
    const write = global.only(OPENFGA_SPANS.write);
    expect(write.kind).toBe(SpanKind.CLIENT);
    expect(write.attributes).toEqual({
      [A.connection]: 'default',
      [A.storeId]: store.storeId,
      [A.operation]: 'write',
      [A.count]: 2,
      [A.outcome]: 'ok',
    });
    expect(write.startMs).toBeGreaterThanOrEqual(flush.startMs - 1); // flush durations are whole milliseconds
    expect(write.endMs).toBeLessThanOrEqual(flush.endMs as number);

    global.clear();
    expect(await fga.check('user:anne', 'viewer', 'document:a')).toBe(true); // derived from editor, by OpenFGA; then cached
    expect(await fga.check('user:anne', 'viewer', 'document:a')).toBe(true);
    const [fromOpenFga, fromCache] = global.named(OPENFGA_SPANS.check);
    expect(fromOpenFga.attributes).toMatchObject({ [A.checkSource]: 'openfga', [A.outcome]: 'populated', [A.checkAllowed]: true });
    expect(fromCache.attributes).toMatchObject({ [A.checkSource]: 'cache', [A.outcome]: 'hit' });
    expect(global.only(OPENFGA_SPANS.checkRequest).attributes).toMatchObject({ [A.operation]: 'check', [A.outcome]: 'ok' });

    // Never a user, relation or object in an attribute.
    expect(JSON.stringify(ownSpans(global).map((s) => s.attributes))).not.toMatch(/anne|bob|carl|document:|editor|viewer/);
  });

  it('marks failed checks, requests and flushes (OpenFGA unreachable) with outcome "failed" and an error status', async () => {
    const provider = new RecordingTracerProvider();
    const fga = await open(
      testOptions(store, {
        apiUrl: `http://127.0.0.1:${await freePort()}`,
        checkTimeout: 1,
        requestTimeout: 0.5,
        changeFeed: { enabled: false },
      }),
      { tracerProvider: provider, tracerName: 'authz' },
    );
    await fga.grant('user:anne', 'viewer', 'document:a');
    await expect(fga.check('user:bob', 'viewer', 'document:a')).rejects.toThrow();
    expect((await fga.flush()).failed).toBe(1);

    expect(ownSpans(global)).toEqual([]); // the explicit provider got them, not the global one
    expect(provider.only(OPENFGA_SPANS.grant).scope.name).toBe('authz');
    const check = provider.only(OPENFGA_SPANS.check);
    expect(check.attributes).toMatchObject({ [A.checkSource]: 'error', [A.checkAllowed]: false, [A.outcome]: 'failed' });
    expect(check.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the check could not be answered (fail closed)' });
    for (const request of [...provider.named(OPENFGA_SPANS.checkRequest), ...provider.named(OPENFGA_SPANS.write)]) {
      expect(request.attributes[A.outcome]).toBe('failed');
      expect(request.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(provider.named(OPENFGA_SPANS.write).length).toBeGreaterThanOrEqual(1);
    const flush = provider.only(OPENFGA_SPANS.flush);
    expect(flush.attributes).toMatchObject({ [A.outcome]: 'failed', [A.flushFailed]: 1, [A.count]: 0 });
    expect(flush.status.code).toBe(SpanStatusCode.ERROR);
    expect(flush.status.message).toMatch(/ECONNREFUSED|connect/i);
  });

  it('says "miss" for checks OpenFGA answered when the cache is off', async () => {
    const fga = await open(testOptions(store, { cache: false, changeFeed: { enabled: false } }));
    expect(await fga.check('user:nobody', 'viewer', 'document:a')).toBe(false);
    expect(global.only(OPENFGA_SPANS.check).attributes).toMatchObject({ [A.checkSource]: 'openfga', [A.outcome]: 'miss' });
  });

  it('records one flush span per job a queue worker wrote (mode "worker", with the job id), besides the producer flush', async () => {
    const fga = await open(testOptions(store, { batchSize: 2, changeFeed: { enabled: false }, queue: { enabled: true, timeout: 5 } }));
    await fga.grantMany([
      { user: 'user:a', relation: 'viewer', object: 'document:q1' },
      { user: 'user:b', relation: 'viewer', object: 'document:q2' },
      { user: 'user:c', relation: 'viewer', object: 'document:q3' },
    ]);
    expect(await fga.flush()).toMatchObject({ queued: 3, jobs: 2 });
    const flushes = await eventually('two worker flush spans', async () => {
      const spans = global.named(OPENFGA_SPANS.flush);
      return spans.filter((s) => s.attributes[A.flushMode] === 'worker').length === 2 ? spans : undefined;
    });
    const producer = flushes.filter((s) => s.attributes[A.flushMode] === 'queue');
    expect(producer).toHaveLength(1);
    expect(producer[0].attributes).toMatchObject({ [A.flushQueued]: 3, [A.flushJobs]: 2, [A.count]: 0 });
    const workers = flushes.filter((s) => s.attributes[A.flushMode] === 'worker');
    expect(workers.map((s) => s.attributes[A.count]).sort()).toEqual([1, 2]);
    for (const w of workers) expect(w.attributes[A.jobId]).toEqual(expect.any(String));
  });

  it('rejects bad options at start-up, naming the option', async () => {
    const attempt = (options: unknown) =>
      Test.createTestingModule({
        imports: [OpenFgaTestingModule.forRoot(), OpenFgaTracingModule.forRoot(options as OpenFgaTracingOptions)],
      }).compile();
    await expect(attempt({ tracerProvider: {} })).rejects.toThrow('OpenFgaTracing option "tracerProvider" must be an OpenTelemetry');
    await expect(attempt({ tracerName: '' })).rejects.toThrow('OpenFgaTracing option "tracerName" must be a non-empty string');
    await expect(attempt({ tracer: 'x' })).rejects.toThrow('OpenFgaTracing option "tracer" must be one of the known options');
    await expect(attempt({ tracerName: 5 })).rejects.toMatchObject({
      name: 'InvalidOptionsError',
      owner: 'OpenFgaTracing',
      option: 'tracerName',
    });
  });
});
