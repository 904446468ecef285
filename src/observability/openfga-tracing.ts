import { Inject, Injectable, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { Attributes, Span, SpanKind as OtelSpanKind, Tracer } from '@opentelemetry/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOptionalPeer } from './load-optional-peer';
import { OpenFgaConnection, resolveConnections, validateConnectionsOption } from '../connection/app-connections';
import type { OpenFgaEventMap, OpenFgaEvents } from '../events/openfga-events';
import { OPENFGA_TRACING_OPTIONS } from './openfga-tracing.module-definition';
import { OPENFGA_SPAN_ATTRIBUTES as A, OPENFGA_SPANS, OpenFgaTracingOptions } from './openfga-tracing-options.interface';
import { InvalidOptionsError } from '../options/invalid-options.error';

type OtelApi = typeof import('@opentelemetry/api');

const DEFAULT_TRACER_NAME = 'nestjs-openfga';
const REQUEST_SPANS = {
  write: OPENFGA_SPANS.write,
  check: OPENFGA_SPANS.checkRequest,
  batchCheck: OPENFGA_SPANS.batchCheckRequest,
  listObjects: OPENFGA_SPANS.listObjectsRequest,
  listUsers: OPENFGA_SPANS.listUsersRequest,
  readChanges: OPENFGA_SPANS.readChanges,
  read: OPENFGA_SPANS.readRequest,
} as const;

/**
 * OpenTelemetry spans for grant/revoke, check, flush and every OpenFGA
 * request, made by `OpenFgaTracingModule` through @opentelemetry/api (loaded
 * only when this class is created). The module's event hub reports work when
 * it is done, with its duration, so each span is recorded then with its real
 * start and end times, as a child of the span active where the work ran (your
 * HTTP request's span, say). OpenFGA request spans are siblings of the
 * check/flush span they served, not its children. Attributes never carry tuple
 * contents; see `OPENFGA_SPAN_ATTRIBUTES`. Every connection of the app is
 * traced (or those of `connections`), each span naming its connection and store.
 *
 * @example
 * // with an OpenTelemetry SDK registered globally (NodeSDK, or a NodeTracerProvider):
 * @Module({ imports: [OpenFgaModule.forRoot(options), OpenFgaTracingModule] })
 * class AppModule {}
 */
@Injectable()
export class OpenFgaTracing implements OnModuleInit, OnApplicationShutdown {
  private readonly api: OtelApi;
  private readonly tracer: Tracer;
  private readonly requested?: readonly string[];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Optional() @Inject(OPENFGA_TRACING_OPTIONS) options: OpenFgaTracingOptions = {},
  ) {
    validateTracingOptions(options);
    this.api = loadOptionalPeer<OtelApi>('@opentelemetry/api', 'OpenFgaTracingModule');
    const provider = options.tracerProvider ?? this.api.trace.getTracerProvider();
    this.tracer = provider.getTracer(options.tracerName ?? DEFAULT_TRACER_NAME, packageVersion()) as Tracer;
    this.requested = options.connections;
  }

  /** Subscribes to the event hub of each traced connection. */
  onModuleInit(): void {
    if (this.unsubscribe.length > 0) return;
    for (const connection of resolveConnections(this.moduleRef, this.modules, this.requested, 'OpenFgaTracingModule')) {
      this.subscribe(connection);
    }
  }

  private subscribe({ name, service, options }: OpenFgaConnection): void {
    const events = service.events as OpenFgaEvents | undefined;
    if (!events) return;
    const on: Origin = { attributes: { [A.connection]: name, [A.storeId]: options.storeId }, cache: options.cache };
    this.unsubscribe.push(
      events.on('enqueued', (e) => this.onEnqueued(on, e)),
      events.on('checked', (e) => this.onChecked(on, e)),
      events.on('flushed', (e) => this.onFlushed(on, e)),
      events.on('request', (e) => this.onRequest(on, e)),
      events.on('changeFeedApplied', (e) => this.onChangeFeedApplied(on, e)),
    );
  }

  /** Unsubscribes (after the shutdown flush was traced). */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private onEnqueued(on: Origin, { operations, seq, durationMs }: OpenFgaEventMap['enqueued']): void {
    const kinds = new Set(operations.map((o) => o.kind));
    const operation = kinds.size === 1 && kinds.has('revoke') ? 'revoke' : 'grant';
    this.record(on, operation === 'revoke' ? OPENFGA_SPANS.revoke : OPENFGA_SPANS.grant, durationMs, {
      [A.operation]: kinds.size === 1 ? operation : [...kinds].sort().join('+'),
      [A.count]: operations.length,
      [A.bufferPosition]: seq,
      [A.outcome]: 'invalidated',
    });
  }

  private onChecked(on: Origin, { source, allowed, durationMs, consistency }: OpenFgaEventMap['checked']): void {
    const outcome = source === 'error' ? 'failed' : source === 'openfga' ? (on.cache ? 'populated' : 'miss') : ('hit' as const);
    this.record(
      on,
      OPENFGA_SPANS.check,
      durationMs,
      { [A.operation]: 'check', [A.checkSource]: source, [A.checkAllowed]: allowed, [A.consistency]: consistency, [A.outcome]: outcome },
      { error: source === 'error' ? 'the check could not be answered (fail closed)' : undefined },
    );
  }

  private onFlushed(on: Origin, e: OpenFgaEventMap['flushed']): void {
    const failed = e.failed > 0;
    this.record(
      on,
      OPENFGA_SPANS.flush,
      e.durationMs,
      {
        [A.operation]: 'flush',
        [A.flushMode]: e.jobId !== undefined ? 'worker' : e.mode,
        [A.count]: e.writes + e.deletes,
        [A.flushWrites]: e.writes,
        [A.flushDeletes]: e.deletes,
        [A.flushFailed]: e.failed,
        [A.flushDeadLettered]: e.deadLettered,
        ...(e.queued !== undefined ? { [A.flushQueued]: e.queued } : {}),
        ...(e.jobs !== undefined ? { [A.flushJobs]: e.jobs } : {}),
        ...(e.jobId !== undefined ? { [A.jobId]: e.jobId } : {}),
        [A.outcome]: failed ? 'failed' : 'ok',
      },
      { error: failed ? (e.error ?? 'operations left buffered after a transient failure') : undefined },
    );
  }

  private onRequest(on: Origin, { api, durationMs, outcome, tuples }: OpenFgaEventMap['request']): void {
    this.record(
      on,
      REQUEST_SPANS[api],
      durationMs,
      { [A.operation]: api, ...(tuples !== undefined ? { [A.count]: tuples } : {}), [A.outcome]: outcome === 'ok' ? 'ok' : 'failed' },
      { kind: this.api.SpanKind.CLIENT, error: outcome === 'error' ? `OpenFGA ${api} request failed` : undefined },
    );
  }

  private onChangeFeedApplied(on: Origin, { count }: OpenFgaEventMap['changeFeedApplied']): void {
    this.record(on, OPENFGA_SPANS.changeFeed, 0, { [A.operation]: 'change_feed', [A.count]: count, [A.outcome]: 'invalidated' });
  }

  /** A span that ended now and lasted `durationMs`, child of the active context. */
  private record(
    on: Origin,
    name: string,
    durationMs: number,
    attributes: Attributes,
    o: { kind?: OtelSpanKind; error?: string } = {},
  ): void {
    // Wall-clock end (as SDK clocks anchor to), start from the monotonic duration the hub measured.
    const end = Date.now();
    const span: Span = this.tracer.startSpan(
      name,
      {
        kind: o.kind ?? this.api.SpanKind.INTERNAL,
        startTime: end - Math.max(0, durationMs),
        attributes: { ...on.attributes, ...attributes },
      },
      this.api.context.active(),
    );
    if (o.error !== undefined) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: o.error });
    span.end(end);
  }
}

/** The connection a span comes from: its attributes, and whether it caches answers. */
interface Origin {
  readonly attributes: Attributes;
  readonly cache: boolean;
}

const OWNER = 'OpenFgaTracing';

function validateTracingOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('', 'an object', options, OWNER);
  }
  const known = ['tracerProvider', 'tracerName', 'connections'];
  for (const key of Object.keys(options)) {
    if (!known.includes(key))
      throw new InvalidOptionsError(key, `one of the known options (${known.join(', ')})`, 'an unknown option', OWNER);
  }
  const o = options as OpenFgaTracingOptions;
  validateConnectionsOption(o.connections, 'OpenFgaTracing');
  if (o.tracerProvider !== undefined && typeof o.tracerProvider?.getTracer !== 'function') {
    throw new InvalidOptionsError('tracerProvider', 'an OpenTelemetry TracerProvider (with getTracer())', typeof o.tracerProvider, OWNER);
  }
  if (o.tracerName !== undefined && (typeof o.tracerName !== 'string' || o.tracerName === '')) {
    throw new InvalidOptionsError('tracerName', 'a non-empty string', o.tracerName, OWNER);
  }
}

/** This package's version, for the tracer's instrumentation scope (dist/observability → the package root). */
function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
