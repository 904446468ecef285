import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  Inject,
  Injectable,
  Logger,
  Optional,
} from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
import { DEFAULT_CONNECTION } from '../connection/connection-tokens';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { BatchCheckItem, CheckOptions, OpenFgaService } from '../openfga.service';
import { InvalidCheckOptionsError } from '../check/invalid-check-options.error';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { TemplateResolutionError } from './template-resolution.error';
import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import type { Tuple } from '../tuple/tuple';
import type { CheckMode } from './check-mode.decorator';
import { consistencyFromHeaders } from './consistency-header';
import { connectionOf } from './declared-connection';
import { HandlerRuns } from './handler-runs';
import { HttpConnections } from './http-connections';
import type { PreparedTemplate } from './object-template';
import { CHECK_MODE_METADATA, CHECKS_METADATA } from './openfga-http.constants';
import type { CheckRequirement } from './requirements';
import { assertSupportedContext, callKeyOf, requestOf, templateContextOf } from './request-source';
import { resolveRequestUser } from './request-user';
import { errorMessage, fillTemplate, identifyRequestUser, routeName } from './request-values';

/** The `@Check` list of one level (class or route) and how it combines. */
export interface CheckGroup {
  mode: CheckMode;
  checks: readonly CheckRequirement[];
}

type Verdict = 'allow' | 'deny' | 'unknown';

/** A check filled from the request, with the connection it is asked on. */
type ResolvedCheck = BatchCheckItem & { connection: string };

/**
 * Answers `@Check`: every group (the class's list, the route's list) must
 * pass; within a group all checks, or one with `@CheckMode('any')`. It fails
 * closed: a check that throws counts as "unknown", and unknown never allows —
 * except that in `any` mode one trustworthy "yes" suffices.
 *
 * Each check is asked on its connection (`@Check(..., { connection })`, the
 * default one when unset), whose `OpenFgaService` and options are found at run
 * time: the guard works in an app with only named connections, and the
 * request's user is found with that connection's `resolveUser`. A connection's
 * checks are asked with one `batchCheck` (a lone one with `check`); the
 * answers of several connections combine as one list's. An
 * `X-Consistency-Token` another connection of the app issued is ignored by
 * this connection's checks (it names another store).
 *
 * Status codes: 401 no user, or one that is not one `type:id` (a wildcard, a
 * userset); 400 an object/user template (or a `context` /
 * `contextualTuples` template) cannot be filled or
 * the `X-Consistency-Token` header is malformed or issued by no connection of the app; 403 denied, or no
 * answer could be had, or finding the user failed; 500 a check names a connection the app did not register.
 *
 * `@Check` applies it; it can also be registered globally (routes without
 * `@Check` pass). Subclass it and override the `protected` hooks to change
 * how the request, the user, objects or check options are found; register the
 * subclass globally (`APP_GUARD`) or on the controller: the first of these
 * guards to run for a request decides, and the one `@Check` adds reuses it.
 *
 * @example
 * // Who the user is comes from your authentication (here a verified token's claims), never from a header the caller sets.
 * @Injectable()
 * export class TenantGuard extends OpenFgaGuard {
 *   protected override getUser(request: OpenFgaRequest) {
 *     const claims = request.user as { tenant?: string; sub?: string } | undefined;
 *     return Promise.resolve(claims?.sub && claims.tenant ? `user:${claims.tenant}-${claims.sub}` : undefined);
 *   }
 * }
 */
@Injectable()
export class OpenFgaGuard implements CanActivate {
  /*
   * Applied at class and route level (or also globally), the guard runs more
   * than once per request. The first OpenFgaGuard (or subclass) to run decides
   * and the others reuse its answer: each check is asked once, and a subclass
   * registered globally or on the class takes over the guard `@Check` adds.
   * A call is an HTTP request, or one field a GraphQL resolver resolves
   * (request-source.ts); elsewhere nothing is known to be one call, so nothing is reused.
   */
  private static readonly runs = new HandlerRuns();
  protected readonly logger = new Logger('OpenFgaGuard');
  private readonly connections: HttpConnections;

  /**
   * `openfga` and `options`: the default connection's (absent in an app with only
   * named connections). `moduleRef` finds the others: a subclass with its own
   * constructor passes it on to `super()` to serve `@Check(..., { connection })`.
   */
  constructor(
    @Optional() @Inject(OpenFgaService) openfga: OpenFgaService | undefined,
    @Optional() @Inject(OPENFGA_OPTIONS) options: ResolvedOpenFgaOptions | undefined,
    protected readonly reflector: Reflector,
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

  canActivate(context: ExecutionContext): Promise<boolean> {
    const request = this.getRequest(context);
    const call = callKeyOf(context, request);
    if (!call) return this.evaluate(context, request);
    return OpenFgaGuard.runs.once(call, context, () => this.evaluate(context, request));
  }

  /** Whether to let the request through without any check. Default: never. */
  protected shouldSkip(_context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The request templates are filled from. Default: the HTTP request (Express or Fastify), in a GraphQL resolver the context's `req`. */
  protected getRequest(context: ExecutionContext): OpenFgaRequest {
    return requestOf(context);
  }

  /**
   * The user the request acts as on `connection`: that connection's `resolveUser`
   * option, else `user:<req.user.id>`. Return `undefined` for "no user" (401).
   * Called once per connection whose checks use the request's user.
   */
  protected getUser(
    request: OpenFgaRequest,
    _context: ExecutionContext,
    connection: string = DEFAULT_CONNECTION,
  ): Promise<string | undefined> {
    return resolveRequestUser(this.connections.optionsOf(connection), request);
  }

  /** Fills an object (or a `user` option) template; throw `TemplateResolutionError` (400) when it cannot be. */
  protected resolveObject(template: PreparedTemplate, request: OpenFgaRequest, context: ExecutionContext): Promise<string> {
    return template.resolve(templateContextOf(context, request));
  }

  /**
   * The consistency the checks on `connection` ask for. Default: `at-least-as-fresh` when an
   * `X-Consistency-Token` header is present, unless another connection of the app issued it
   * (the token names that connection's store, not this one's: ignored here).
   */
  protected getCheckOptions(request: OpenFgaRequest, _context: ExecutionContext, connection: string = DEFAULT_CONNECTION): CheckOptions {
    const options = consistencyFromHeaders(request);
    return options.token !== undefined && this.connections.issuedElsewhere(options.token, connection) ? {} : options;
  }

  /** The class's and the route's `@Check` lists, each with its mode. */
  protected getCheckGroups(context: ExecutionContext): CheckGroup[] {
    const handler = context.getHandler();
    const cls = context.getClass();
    const classChecks = this.reflector.get<CheckRequirement[] | undefined>(CHECKS_METADATA, cls) ?? [];
    const routeChecks = this.reflector.get<CheckRequirement[] | undefined>(CHECKS_METADATA, handler) ?? [];
    const classMode = this.reflector.get<CheckMode | undefined>(CHECK_MODE_METADATA, cls) ?? 'all';
    const routeMode = this.reflector.getAllAndOverride<CheckMode | undefined>(CHECK_MODE_METADATA, [handler, cls]) ?? 'all';
    return [
      { mode: classMode, checks: classChecks },
      { mode: routeMode, checks: routeChecks },
    ].filter((g) => g.checks.length > 0);
  }

  private async evaluate(context: ExecutionContext, request: OpenFgaRequest): Promise<boolean> {
    if (await this.shouldSkip(context)) return true;
    const groups = this.getCheckGroups(context);
    if (groups.length === 0) return true;
    assertSupportedContext(context, '@Check', this.logger);
    const all = groups.flatMap((g) => g.checks);
    // A connection the app lacks is a wiring mistake: refused before anything is asked, whatever the other answers.
    const services = this.connections.servicesOf(all, this.logger, 'Access denied: a @Check names a connection the app lacks', {
      route: routeName(context),
    });
    const identities = await this.identities(all, request, context);
    // Every template is filled before anything is asked, so a bad request gets its 400 whatever the answers would be.
    const resolved = await Promise.all(
      groups.map(async (g) => ({
        mode: g.mode,
        checks: await Promise.all(
          g.checks.map(async (c): Promise<ResolvedCheck> => {
            const connection = connectionOf(c);
            const [t, extras] = await Promise.all([
              this.resolveTuple(c, identities.get(connection), request, context),
              this.fillExtras(c, request, context),
            ]);
            return { ...t, ...extras, connection };
          }),
        ),
      })),
    );
    const answers = await this.askEach(
      resolved.flatMap((g) => g.checks),
      services,
      request,
      context,
    );
    let at = 0;
    const settled = resolved.map((g) => answers.slice(at, (at += g.checks.length)));
    const failures = settled.flat().flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    const badToken = failures.find((e) => e instanceof InvalidConsistencyTokenError);
    if (badToken) throw new BadRequestException(`Invalid X-Consistency-Token header: ${(badToken as Error).message}`);
    const verdicts = settled.map((results, i) => combine(resolved[i].mode, results));
    if (verdicts.includes('deny')) throw new ForbiddenException();
    if (verdicts.includes('unknown')) {
      const reason = failures[0] instanceof Error ? failures[0].message : String(failures[0]);
      this.logger.warn({ message: 'Access denied: a check could not be answered (fail closed)', route: routeName(context), reason });
      throw new ForbiddenException('Access could not be verified');
    }
    return true;
  }

  /** The request's user on each connection that has a check without a `user` of its own. */
  private async identities(
    checks: readonly CheckRequirement[],
    request: OpenFgaRequest,
    context: ExecutionContext,
  ): Promise<Map<string, string>> {
    const names = [...new Set(checks.filter((c) => !c.user).map(connectionOf))];
    const users = await Promise.all(names.map((name) => this.identify(request, context, name)));
    return new Map(names.map((name, i) => [name, users[i]]));
  }

  /** Asks each connection its own checks, with its own consistency; the answers in the order of `checks`. */
  private async askEach(
    checks: readonly ResolvedCheck[],
    services: ReadonlyMap<string, OpenFgaService>,
    request: OpenFgaRequest,
    context: ExecutionContext,
  ): Promise<PromiseSettledResult<boolean>[]> {
    const answers = new Array<PromiseSettledResult<boolean>>(checks.length);
    await Promise.all(
      [...services].map(async ([name, service]) => {
        const at = checks.flatMap((c, i) => (c.connection === name ? [i] : []));
        const options = this.getCheckOptions(request, context, name);
        const got = await ask(
          service,
          at.map((i) => checks[i]),
          options,
        );
        at.forEach((i, k) => (answers[i] = got[k]));
      }),
    );
    return answers;
  }

  /** A check's context and contextual tuples from the request: 400 when the request cannot fill them, 403 when a function crashed. */
  private async fillExtras(check: CheckRequirement, request: OpenFgaRequest, context: ExecutionContext): Promise<Partial<BatchCheckItem>> {
    if (!check.extras) return {};
    try {
      return await check.extras.resolve(request, templateContextOf(context, request).args);
    } catch (err) {
      if (err instanceof TemplateResolutionError || err instanceof InvalidCheckOptionsError || err instanceof InvalidTupleError) {
        throw new BadRequestException(err.message);
      }
      this.logger.warn({
        message: 'Access denied: a check context could not be evaluated',
        route: routeName(context),
        reason: errorMessage(err),
      });
      throw new ForbiddenException('Access could not be verified');
    }
  }

  private identify(request: OpenFgaRequest, context: ExecutionContext, connection: string): Promise<string> {
    return identifyRequestUser(() => this.getUser(request, context, connection), this.logger, context, 'Access denied');
  }

  private async resolveTuple(
    check: CheckRequirement,
    identity: string | undefined,
    request: OpenFgaRequest,
    context: ExecutionContext,
  ): Promise<Tuple> {
    const [user, object] = await Promise.all([
      check.user ? this.fill(check.user, request, context) : (identity as string),
      this.fill(check.object, request, context),
    ]);
    return { user, relation: check.relation, object };
  }

  private async fill(template: PreparedTemplate, request: OpenFgaRequest, context: ExecutionContext): Promise<string> {
    try {
      return await fillTemplate(template, () => this.resolveObject(template, request, context));
    } catch (err) {
      if (err instanceof HttpException) throw err;
      // A function template that crashed: no object, so no access (and no 500).
      this.logger.warn({
        message: 'Access denied: a template could not be evaluated',
        route: routeName(context),
        template: template.text,
        reason: errorMessage(err),
      });
      throw new ForbiddenException('Access could not be verified');
    }
  }
}

/**
 * Asks one connection's checks: one `check`, or one `batchCheck` for several
 * (one cache read, one OpenFGA request). An item without an answer is a
 * rejection, as a throwing `check` is; so is every item when the whole call is
 * refused (e.g. a bad consistency token).
 */
async function ask(
  service: OpenFgaService,
  checks: readonly BatchCheckItem[],
  options: CheckOptions,
): Promise<PromiseSettledResult<boolean>[]> {
  const withOptions = (c: BatchCheckItem) => ({
    ...((c.context ?? options.context) ? { context: c.context ?? options.context } : {}),
    ...((c.contextualTuples ?? options.contextualTuples) ? { contextualTuples: c.contextualTuples ?? options.contextualTuples } : {}),
  });
  if (checks.length === 1) {
    const [c] = checks;
    return Promise.allSettled([service.check(c.user, c.relation, c.object, { ...options, ...withOptions(c) })]);
  }
  const batchOptions = {
    ...(options.consistency !== undefined ? { consistency: options.consistency } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  };
  try {
    const answers = await service.batchCheck(
      checks.map((c) => ({ user: c.user, relation: c.relation, object: c.object, ...withOptions(c) })),
      batchOptions,
    );
    return answers.map((a) => (a.error ? { status: 'rejected', reason: a.error } : { status: 'fulfilled', value: a.allowed }));
  } catch (err) {
    return checks.map(() => ({ status: 'rejected', reason: err }));
  }
}

/** Three-valued: all → a "no" denies, else an error leaves it unknown; any → a "yes" allows, else an error leaves it unknown. */
function combine(mode: CheckMode, results: PromiseSettledResult<boolean>[]): Verdict {
  const answers = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
  if (mode === 'any') {
    if (answers.includes(true)) return 'allow';
    return answers.includes(undefined) ? 'unknown' : 'deny';
  }
  if (answers.includes(false)) return 'deny';
  return answers.includes(undefined) ? 'unknown' : 'allow';
}
