import { applyDecorators } from '@nestjs/common';
import { prependMetadata, useGuardOnce } from './append-metadata.decorator';
import { declaredConnection } from './declared-connection';
import { declaredRelation } from './declared-relation';
import { prepareTemplate, RequestTemplate, TemplateSource } from './object-template';
import { OpenFgaGuard } from './openfga.guard';
import { CHECKS_METADATA } from './openfga-http.constants';
import type { CheckRequirement } from './requirements';
import { CheckContextTemplate, ContextualTuplesTemplate, prepareCheckExtras } from './check-extras-template';
import { callerInputPolicy, placeholdersOf } from './caller-input-policy';

/** Sources a `@Check` template may read (`args`: a GraphQL resolver's): the handler has not run, so there is no `result`. */
export const CHECK_TEMPLATE_SOURCES: readonly TemplateSource[] = ['params', 'query', 'body', 'headers', 'user', 'args'];

/** Options of one `@Check`. */
export interface CheckDecoratorOptions {
  /**
   * The user to check instead of the request's user (the `resolveUser` option), e.g. `'group:{user.team}#member'`.
   * Like `context`, it may not read the caller's input unless `trusted` lists it: the caller would choose who is checked.
   */
  user?: RequestTemplate;
  /**
   * Request-time context for the model's conditions, filled from the request (see the README's
   * "Request context and contextual tuples"). The answer is never cached.
   */
  context?: CheckContextTemplate;
  /** Tuples that hold for this check only, filled from the request. The answer is never cached. */
  contextualTuples?: ContextualTuplesTemplate;
  /**
   * Placeholders of the caller's input (`params`, `query`, `body`, `headers`, `args`) that `user`, `context` and
   * `contextualTuples` may read, written without braces, e.g. `['headers.x-verified-team']`. Without it they are
   * refused when the class loads: the caller could assert its own access. List only values the server vouches for
   * (a header your gateway sets after verifying it); an entry no placeholder reads is refused too.
   */
  trusted?: readonly string[];
  /**
   * The connection to ask (`OpenFgaModule.forRoot({ name: 'billing' })`): its service, its `resolveUser`, and
   * at start-up its model. Unset: the default connection.
   */
  connection?: string;
}

/**
 * Guards a controller or route: the request's user must have `relation` on
 * `object`, asked through `OpenFgaService.check`. Several `@Check` must all
 * pass unless `@CheckMode('any')` says otherwise. Denies with 403 when the
 * answer is no or cannot be had, 401 without a user, 400 when the object
 * cannot be filled from the request or the `X-Consistency-Token` header is invalid.
 *
 * Templates and the relation are validated here, when the class loads.
 * Write `@Check` above a route-level `@UseGuards(AuthGuard(...))`: guards run
 * in the order their decorators are written, and the user must exist first.
 *
 * @example
 * @Get(':id')
 * @Check('viewer', 'document:{params.id}')
 * read(@Param('id') id: string) {}
 *
 * @example
 * // Asked on the store of OpenFgaModule.forRoot({ name: 'billing', ... }).
 * @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
 */
export function Check(relation: string, object: RequestTemplate, options: CheckDecoratorOptions = {}): ClassDecorator & MethodDecorator {
  const connection = declaredConnection('@Check', options.connection);
  const requirement: CheckRequirement = {
    relation: declaredRelation('@Check', relation),
    object: prepareTemplate(object, 'object', CHECK_TEMPLATE_SOURCES),
    ...(options.user !== undefined ? { user: prepareTemplate(options.user, 'user', CHECK_TEMPLATE_SOURCES) } : {}),
  };
  // The object is the caller's question; who asks, and what the server asserts around it, are not the caller's to say.
  const trust = callerInputPolicy(options.trusted);
  if (typeof options.user === 'string') trust.assertTrusted(options.user, 'user', placeholdersOf(options.user, CHECK_TEMPLATE_SOURCES));
  const extras = prepareCheckExtras(options.context, options.contextualTuples, CHECK_TEMPLATE_SOURCES, trust);
  trust.assertAllRead();
  if (extras) requirement.extras = extras;
  if (connection !== undefined) requirement.connection = connection;
  return applyDecorators(prependMetadata(CHECKS_METADATA, requirement), useGuardOnce(OpenFgaGuard));
}
