import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  InternalServerErrorException,
  Logger,
  NestInterceptor,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { DEFAULT_CONNECTION } from '../connection/connection-tokens';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { ConsistencyToken, OpenFgaService } from '../openfga.service';
import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { RedisUnavailableError } from '../redis/redis-unavailable.error';
import type { ConditionalTuple, TupleCondition, TupleOperation, TupleOperationKind } from '../tuple/tuple';
import { SSE_METADATA } from './append-metadata.decorator';
import { connectionOf } from './declared-connection';
import { HandlerRuns } from './handler-runs';
import { HttpConnections } from './http-connections';
import { PreparedTemplate, validateTemplateValue } from './object-template';
import { CONSISTENCY_TOKEN_HEADER, RECORDS_METADATA } from './openfga-http.constants';
import type { TupleRecordRequirement } from './requirements';
import { assertSupportedContext, callKeyOf, requestOf, responseOf, templateContextOf } from './request-source';
import { resolveRequestUser } from './request-user';
import { errorMessage, fillTemplate, identifyRequestUser, routeName } from './request-values';
import { sseRecordError } from './unsupported-context.error';

/** A `@Grant`/`@Revoke` with what could be filled before the handler ran, and the service it writes to. */
interface PlannedRecord {
  requirement: TupleRecordRequirement;
  connection: string;
  service: OpenFgaService;
  user?: string;
  object?: string;
}

/** A tuple to write, with its connection's service. */
type PlannedOperation = TupleOperation & { connection: string; service: OpenFgaService };

/**
 * Records `@Grant`/`@Revoke` tuples after the handler succeeded, and sends the
 * last consistency token back in the `X-Consistency-Token` header (Express
 * and Fastify, through Nest's HTTP adapter). When the handler throws, nothing
 * is recorded. A handler returning an Observable is recorded once, when the
 * stream completed, with its last value (the one Nest answers with); a stream
 * that fails records nothing. An `@Sse` route cannot carry them (refused at
 * start-up and on every call): its events are not one result.
 *
 * The handler's stream is followed to its end even when the response stops
 * waiting first (an outer `timeout()` interceptor): what the handler did then
 * stands, so its tuples are recorded all the same and the abandoned response is logged.
 *
 * Templates that read only the request are filled before the handler runs,
 * so a request that cannot be recorded is refused (401/403/400, as for
 * `@Check`) before it has any effect. `{result...}` and function templates
 * are filled after it; if they, or the write to Redis, fail, the response is
 * a 500 (logged), because the handler's effect happened without its tuple.
 * Consecutive tuples of the same kind and connection are written in one atomic call.
 *
 * Each tuple goes to its connection (`@Grant(..., { connection })`, the default
 * one when unset), whose service and options are found at run time; the request's
 * user comes from that connection's `resolveUser`. The header carries the token
 * of the last write (of whichever connection it went to). A connection the app
 * did not register is a 500 (logged) before the handler runs.
 *
 * @example
 * @Injectable()
 * export class AuditedRecordTuplesInterceptor extends RecordTuplesInterceptor {
 *   protected override setConsistencyToken(context: ExecutionContext, token: string) {
 *     super.setConsistencyToken(context, token);
 *     this.logger.log({ message: 'tuples recorded', token });
 *   }
 * }
 */
@Injectable()
export class RecordTuplesInterceptor implements NestInterceptor {
  /*
   * Applied at class and route level (or also globally), it runs more than
   * once per request: the outermost one (or subclass) records everything, and
   * a subclass registered globally takes over the one `@Grant`/`@Revoke` adds.
   */
  private static readonly claimed = new HandlerRuns<true>();
  protected readonly logger = new Logger('RecordTuplesInterceptor');

  private readonly connections: HttpConnections;

  /**
   * `openfga` and `options`: the default connection's (absent in an app with only
   * named connections). `moduleRef` finds the others: a subclass with its own
   * constructor passes it on to `super()` to serve `@Grant(..., { connection })`.
   */
  constructor(
    @Optional() @Inject(OpenFgaService) openfga: OpenFgaService | undefined,
    @Optional() @Inject(OPENFGA_OPTIONS) options: ResolvedOpenFgaOptions | undefined,
    protected readonly reflector: Reflector,
    @Optional() protected readonly adapterHost?: HttpAdapterHost,
    @Optional() moduleRef?: ModuleRef,
  ) {
    this.connections = new HttpConnections(moduleRef, { service: openfga, options });
  }

  /** The default connection's service; throws `MissingConnectionError` in an app without one. */
  protected get openfga(): OpenFgaService {
    return this.connections.service(DEFAULT_CONNECTION);
  }

  /** The default connection's options; throws `MissingConnectionError` in an app without one. */
  protected get options(): ResolvedOpenFgaOptions {
    return this.connections.optionsOf(DEFAULT_CONNECTION);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const records = this.getRecords(context);
    if (records.length === 0) return next.handle();
    assertSupportedContext(context, '@Grant/@Revoke', this.logger);
    this.refuseSse(context);
    const request = this.getRequest(context);
    if (!this.claim(request, context)) return next.handle();
    const planned = await this.plan(records, request, context);
    return this.recordOnCompletion(next.handle(), planned, request, context);
  }

  /** The class's then the route's `@Grant`/`@Revoke` list, in the order written. */
  protected getRecords(context: ExecutionContext): TupleRecordRequirement[] {
    return this.reflector.getAllAndMerge<TupleRecordRequirement[]>(RECORDS_METADATA, [context.getClass(), context.getHandler()]) ?? [];
  }

  /** The request templates are filled from. Default: the HTTP request (Express or Fastify), in a GraphQL resolver the context's `req`. */
  protected getRequest(context: ExecutionContext): OpenFgaRequest {
    return requestOf(context);
  }

  /**
   * The user the request acts as on `connection`: that connection's `resolveUser` option, else
   * `user:<req.user.id>`; `undefined` → 401. Called once per connection whose tuples use the request's user.
   */
  protected getUser(
    request: OpenFgaRequest,
    _context: ExecutionContext,
    connection: string = DEFAULT_CONNECTION,
  ): Promise<string | undefined> {
    return resolveRequestUser(this.connections.optionsOf(connection), request);
  }

  /** Fills an object (or a `user` option) template; `result` is the handler's after it ran, `undefined` before. */
  protected resolveObject(
    template: PreparedTemplate,
    request: OpenFgaRequest,
    result: unknown,
    context: ExecutionContext,
  ): Promise<string> {
    return template.resolve(templateContextOf(context, request, result));
  }

  /**
   * Sends back the token of the last write (`connection`: where it went). Default: the
   * `X-Consistency-Token` header, set through Nest's HTTP adapter.
   */
  protected setConsistencyToken(context: ExecutionContext, token: ConsistencyToken, _connection: string = DEFAULT_CONNECTION): void {
    const response = responseOf(context);
    if (response === undefined || response === null) return;
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter) {
      // A handler that sent the response itself (@Res()) is past the point where a header can be added.
      if (adapter.isHeadersSent(response)) return;
      adapter.setHeader(response, CONSISTENCY_TOKEN_HEADER, token);
      return;
    }
    // No HTTP adapter (a hand-built context): Fastify's reply and Express's response both have header().
    const target = response as { header?: (name: string, value: string) => unknown } | undefined;
    target?.header?.(CONSISTENCY_TOKEN_HEADER, token);
  }

  /**
   * Subscribes to the handler's stream and answers its last value once its tuples are recorded. Not through
   * operators: an outer operator that unsubscribes (a timeout) must not stop the recording of what the handler
   * did, so the handler's stream is followed to its end whatever the subscriber does.
   */
  private recordOnCompletion(
    handled: Observable<unknown>,
    planned: PlannedRecord[],
    request: OpenFgaRequest,
    context: ExecutionContext,
  ): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      let answered = false;
      let abandoned = false;
      let last: { value: unknown } | undefined;
      const finish = async (result: unknown): Promise<void> => {
        try {
          const written = await this.record(planned, request, result, context);
          if (abandoned) return this.logAbandoned(context, { recorded: true });
          if (written !== undefined) this.setConsistencyToken(context, written.token, written.connection);
          answered = true;
          subscriber.next(result);
          subscriber.complete();
        } catch (err) {
          if (abandoned) return this.logAbandoned(context, { recorded: false, err });
          answered = true;
          subscriber.error(err);
        }
      };
      handled.subscribe({
        next: (value) => (last = { value }),
        error: (err: unknown) => {
          answered = true;
          subscriber.error(err); // the handler failed: nothing to record
        },
        complete: () => {
          if (last !== undefined) return void finish(last.value);
          answered = true; // no value: no result to record (Nest answers an empty stream with an error)
          subscriber.complete();
        },
      });
      return () => {
        if (!answered) abandoned = true;
      };
    });
  }

  /** The response stopped waiting before the handler's tuples were recorded: said in the log, never silently. */
  private logAbandoned(context: ExecutionContext, outcome: { recorded: true } | { recorded: false; err: unknown }): void {
    const handler = routeName(context);
    const message = 'The response was abandoned (an outer interceptor, e.g. a timeout) before the @Grant/@Revoke tuples were recorded';
    if (outcome.recorded) {
      this.logger.warn({ message: `${message}; the handler succeeded, so they were recorded all the same`, handler });
      return;
    }
    // Other failures were logged and reported (recordFailed) by record(); an HttpException (from a hook) only went to the client.
    if (outcome.err instanceof HttpException)
      this.logger.error({ message: `${message}; they could not be recorded`, handler, reason: errorMessage(outcome.err) });
  }

  /** `@Sse` answers a stream of events, not one result: there is nothing to record once. */
  private refuseSse(context: ExecutionContext): void {
    if (Reflect.getMetadata(SSE_METADATA, context.getHandler()) !== true) return;
    const error = sseRecordError(routeName(context));
    this.logger.error({ message: error.message, route: routeName(context) });
    throw error;
  }

  /** Whether this run records: once per call (request-source.ts); where a call is not known, every run records its own. */
  private claim(request: unknown, context: ExecutionContext): boolean {
    const call = callKeyOf(context, request);
    if (!call) return true;
    let first = false;
    RecordTuplesInterceptor.claimed.once(call, context, () => (first = true));
    return first;
  }

  /**
   * Before the handler: each connection's service (500 when the app lacks one), the identity on each
   * connection (401/403) and every template that needs no result (400).
   */
  private async plan(records: TupleRecordRequirement[], request: OpenFgaRequest, context: ExecutionContext): Promise<PlannedRecord[]> {
    const services = this.connections.servicesOf(
      records,
      this.logger,
      'Request refused: a @Grant/@Revoke names a connection the app lacks',
      { handler: routeName(context) },
    );
    const needUser = [...new Set(records.filter((r) => !r.user).map(connectionOf))];
    const users = await Promise.all(needUser.map((name) => this.identify(request, context, name)));
    const identities = new Map(needUser.map((name, i) => [name, users[i]]));
    return Promise.all(
      records.map(async (requirement) => {
        const connection = connectionOf(requirement);
        const [user, object] = await Promise.all([
          requirement.user ? this.fillBefore(requirement.user, request, context) : identities.get(connection),
          this.fillBefore(requirement.object, request, context),
        ]);
        return { requirement, connection, service: services.get(connection)!, user, object };
      }),
    );
  }

  private identify(request: OpenFgaRequest, context: ExecutionContext, connection: string): Promise<string> {
    return identifyRequestUser(() => this.getUser(request, context, connection), this.logger, context, 'Request refused');
  }

  private async fillBefore(template: PreparedTemplate, request: OpenFgaRequest, context: ExecutionContext): Promise<string | undefined> {
    if (template.needsResult) return undefined;
    return fillTemplate(template, () => this.resolveObject(template, request, undefined, context));
  }

  /** After the handler: fills what is left, then writes in runs of the same kind and connection; returns the last token. */
  private async record(
    planned: PlannedRecord[],
    request: OpenFgaRequest,
    result: unknown,
    context: ExecutionContext,
  ): Promise<{ token: ConsistencyToken; connection: string } | undefined> {
    let ops: PlannedOperation[] = [];
    let written = 0; // ops[0..written) are written: whole runs, in order
    try {
      ops = await Promise.all(
        planned.map(async ({ requirement, connection, service, user, object }) => ({
          kind: requirement.kind,
          user: user ?? (await this.fillAfter(requirement.user, request, result, context)),
          relation: requirement.relation,
          object: object ?? (await this.fillAfter(requirement.object, request, result, context)),
          ...(await conditionOf(requirement, request, result, context)),
          connection,
          service,
        })),
      );
      let last: { token: ConsistencyToken; connection: string } | undefined;
      for (const run of runsOfSameKind(ops)) {
        const token = run.kind === 'grant' ? await run.service.grantMany(run.tuples) : await run.service.revokeMany(run.tuples);
        written += run.tuples.length;
        last = { token, connection: run.connection };
      }
      return last;
    } catch (err) {
      if (err instanceof HttpException) throw err;
      const handler = routeName(context);
      // An earlier run stays written (each run is one atomic call): only the failed run and those after it are not.
      const [done, notDone] = [ops.slice(0, written), ops.slice(written)];
      this.logger.error({
        message: `The handler succeeded but its @Grant/@Revoke tuples could not ${done.length > 0 ? 'all ' : ''}be recorded`,
        handler,
        ...(done.length > 0 ? { written: done.length, notWritten: notDone.length } : {}),
        reason: errorMessage(err),
      });
      // The handler's effect stands (a created folder without its owner tuple): say so to the app, on each connection with its tuples.
      const doneBy = byService(done);
      for (const [service, operations] of byService(notDone))
        service.events.emit('recordFailed', { handler, operations, written: doneBy.get(service) ?? [], reason: errorMessage(err) });
      const message =
        done.length > 0
          ? 'The request was handled, but its authorization change could only partly be recorded'
          : 'The request was handled, but its authorization change could not be recorded';
      // Redis refused or is down (out of memory, killed): a 503 the client may retry; the reason stays in the log.
      if (err instanceof RedisUnavailableError) throw new ServiceUnavailableException(`${message}; retry later`);
      throw new InternalServerErrorException(message);
    }
  }

  private async fillAfter(
    template: PreparedTemplate | undefined,
    request: OpenFgaRequest,
    result: unknown,
    context: ExecutionContext,
  ): Promise<string> {
    if (!template) throw new Error('no user for the tuple'); // unreachable: the identity was resolved before the handler
    return validateTemplateValue(template.field, await this.resolveObject(template, request, result, context));
  }
}

/** A `@Grant`'s condition, filled after the handler: `{ condition }`, or nothing. */
async function conditionOf(
  requirement: TupleRecordRequirement,
  request: OpenFgaRequest,
  result: unknown,
  context: ExecutionContext,
): Promise<{ condition?: TupleCondition }> {
  const c = requirement.condition;
  if (c === undefined) return {};
  const condition = typeof c === 'function' ? await c(request, result, templateContextOf(context, request, result).args) : c;
  return condition === undefined ? {} : { condition };
}

interface Run {
  kind: TupleOperationKind;
  connection: string;
  service: OpenFgaService;
  tuples: ConditionalTuple[];
}

/** Consecutive operations of the same kind on the same connection: one atomic write each. */
function runsOfSameKind(ops: readonly PlannedOperation[]): Run[] {
  const runs: Run[] = [];
  for (const { kind, connection, service, ...tuple } of ops) {
    const last = runs[runs.length - 1];
    if (last?.kind === kind && last.connection === connection) last.tuples.push(tuple);
    else runs.push({ kind, connection, service, tuples: [tuple] });
  }
  return runs;
}

/** The operations of each service, as `recordFailed` reports them (without the routing fields). */
function byService(ops: readonly PlannedOperation[]): Map<OpenFgaService, TupleOperation[]> {
  const out = new Map<OpenFgaService, TupleOperation[]>();
  for (const { connection: _connection, service, ...op } of ops) {
    const list = out.get(service);
    if (list) list.push(op);
    else out.set(service, [op]);
  }
  return out;
}
