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
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { concatMap, Observable } from 'rxjs';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { ConsistencyToken, OpenFgaService } from '../openfga.service';
import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { RedisUnavailableError } from '../redis/redis-unavailable.error';
import type { ConditionalTuple, TupleCondition, TupleOperation, TupleOperationKind } from '../tuple/tuple';
import { HandlerRuns } from './handler-runs';
import { PreparedTemplate, validateTemplateValue } from './object-template';
import { CONSISTENCY_TOKEN_HEADER, RECORDS_METADATA } from './openfga-http.constants';
import type { TupleRecordRequirement } from './requirements';
import { assertSupportedContext, callKeyOf, requestOf, responseOf, templateContextOf } from './request-source';
import { resolveRequestUser } from './request-user';
import { errorMessage, fillTemplate, identifyRequestUser, routeName } from './request-values';

/** A `@Grant`/`@Revoke` with what could be filled before the handler ran. */
interface PlannedRecord {
  requirement: TupleRecordRequirement;
  user?: string;
  object?: string;
}

/**
 * Records `@Grant`/`@Revoke` tuples after the handler succeeded, and sends the
 * last consistency token back in the `X-Consistency-Token` header (Express
 * and Fastify, through Nest's HTTP adapter). When the handler throws, nothing
 * is recorded.
 *
 * Templates that read only the request are filled before the handler runs,
 * so a request that cannot be recorded is refused (401/403/400, as for
 * `@Check`) before it has any effect. `{result...}` and function templates
 * are filled after it; if they, or the write to Redis, fail, the response is
 * a 500 (logged), because the handler's effect happened without its tuple.
 * Consecutive tuples of the same kind are written in one atomic call.
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

  constructor(
    protected readonly openfga: OpenFgaService,
    @Inject(OPENFGA_OPTIONS) protected readonly options: ResolvedOpenFgaOptions,
    protected readonly reflector: Reflector,
    @Optional() protected readonly adapterHost?: HttpAdapterHost,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const records = this.getRecords(context);
    if (records.length === 0) return next.handle();
    assertSupportedContext(context, '@Grant/@Revoke', this.logger);
    const request = this.getRequest(context);
    if (!this.claim(request, context)) return next.handle();
    const planned = await this.plan(records, request, context);
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        const token = await this.record(planned, request, result, context);
        if (token !== undefined) this.setConsistencyToken(context, token);
        return result;
      }),
    );
  }

  /** The class's then the route's `@Grant`/`@Revoke` list, in the order written. */
  protected getRecords(context: ExecutionContext): TupleRecordRequirement[] {
    return this.reflector.getAllAndMerge<TupleRecordRequirement[]>(RECORDS_METADATA, [context.getClass(), context.getHandler()]) ?? [];
  }

  /** The request templates are filled from. Default: the HTTP request (Express or Fastify), in a GraphQL resolver the context's `req`. */
  protected getRequest(context: ExecutionContext): OpenFgaRequest {
    return requestOf(context);
  }

  /** The user the request acts as: the module's `resolveUser` option, else `user:<req.user.id>`; `undefined` → 401. */
  protected getUser(request: OpenFgaRequest, _context: ExecutionContext): Promise<string | undefined> {
    return resolveRequestUser(this.options, request);
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

  /** Sends the token back. Default: the `X-Consistency-Token` header, set through Nest's HTTP adapter. */
  protected setConsistencyToken(context: ExecutionContext, token: ConsistencyToken): void {
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

  /** Whether this run records: once per call (request-source.ts); where a call is not known, every run records its own. */
  private claim(request: unknown, context: ExecutionContext): boolean {
    const call = callKeyOf(context, request);
    if (!call) return true;
    let first = false;
    RecordTuplesInterceptor.claimed.once(call, context, () => (first = true));
    return first;
  }

  /** Before the handler: the identity (401/403) and every template that needs no result (400). */
  private async plan(records: TupleRecordRequirement[], request: OpenFgaRequest, context: ExecutionContext): Promise<PlannedRecord[]> {
    const identity = records.some((r) => !r.user) ? await this.identify(request, context) : undefined;
    return Promise.all(
      records.map(async (requirement) => {
        const [user, object] = await Promise.all([
          requirement.user ? this.fillBefore(requirement.user, request, context) : identity,
          this.fillBefore(requirement.object, request, context),
        ]);
        return { requirement, user, object };
      }),
    );
  }

  private identify(request: OpenFgaRequest, context: ExecutionContext): Promise<string> {
    return identifyRequestUser(() => this.getUser(request, context), this.logger, context, 'Request refused');
  }

  private async fillBefore(template: PreparedTemplate, request: OpenFgaRequest, context: ExecutionContext): Promise<string | undefined> {
    if (template.needsResult) return undefined;
    return fillTemplate(template, () => this.resolveObject(template, request, undefined, context));
  }

  /** After the handler: fills what is left, then writes in runs of the same kind; returns the last token. */
  private async record(
    planned: PlannedRecord[],
    request: OpenFgaRequest,
    result: unknown,
    context: ExecutionContext,
  ): Promise<ConsistencyToken | undefined> {
    let ops: TupleOperation[] = [];
    try {
      ops = await Promise.all(
        planned.map(async ({ requirement, user, object }) => ({
          kind: requirement.kind,
          user: user ?? (await this.fillAfter(requirement.user, request, result, context)),
          relation: requirement.relation,
          object: object ?? (await this.fillAfter(requirement.object, request, result, context)),
          ...(await conditionOf(requirement, request, result, context)),
        })),
      );
      let token: ConsistencyToken | undefined;
      for (const run of runsOfSameKind(ops)) {
        token = run.kind === 'grant' ? await this.openfga.grantMany(run.tuples) : await this.openfga.revokeMany(run.tuples);
      }
      return token;
    } catch (err) {
      if (err instanceof HttpException) throw err;
      const handler = routeName(context);
      this.logger.error({
        message: 'The handler succeeded but its @Grant/@Revoke tuples could not be recorded',
        handler,
        reason: errorMessage(err),
      });
      // The handler's effect stands (a created folder without its owner tuple): say so to the app, with what was not written.
      if (ops.length > 0) this.openfga.events.emit('recordFailed', { handler, operations: ops, reason: errorMessage(err) });
      const message = 'The request was handled, but its authorization change could not be recorded';
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

function runsOfSameKind(ops: TupleOperation[]): { kind: TupleOperationKind; tuples: ConditionalTuple[] }[] {
  const runs: { kind: TupleOperationKind; tuples: ConditionalTuple[] }[] = [];
  for (const { kind, ...tuple } of ops) {
    const last = runs[runs.length - 1];
    if (last?.kind === kind) last.tuples.push(tuple);
    else runs.push({ kind, tuples: [tuple] });
  }
  return runs;
}
