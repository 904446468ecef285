/** `@Check`'s `context` and `contextualTuples`: declared once, filled per request like object templates. */
import { validateContext, validateContextualTuples } from '../check/request-context';
import type { OpenFgaRequest } from '../options/openfga-options.interface';
import type { ConditionalTuple, TupleCondition } from '../tuple/tuple';
import { declaredRelation } from './declared-relation';
import { InvalidTemplateError } from './invalid-template.error';
import {
  parsePlaceholder,
  Placeholder,
  PLACEHOLDER,
  prepareTemplate,
  readPlaceholder,
  RequestTemplate,
  ResolverArgs,
  TemplateContext,
  TemplateSource,
} from './object-template';
import { CallerInputPolicy, callerInputPolicy, placeholdersOf } from './caller-input-policy';
import { TemplateResolutionError } from './template-resolution.error';

/**
 * A request-time context for `@Check`: each value a template (`'{user.region}'`;
 * a lone placeholder gives the value as it is, e.g. a number; with text around
 * it, a string), or a function of the request (and, in a GraphQL resolver, its
 * arguments) returning the whole context.
 *
 * The context is what the server asserts about the request: fill it from the
 * authenticated user (`{user...}`) or from what the server itself knows (a
 * function), never from what the caller sends. Placeholders of `params`,
 * `query`, `body`, `headers` and `args` are refused when the class loads
 * unless listed in the `@Check`'s `trusted` option.
 *
 * @example
 * @Check('viewer', 'document:{params.id}', { context: { region: '{user.region}' } }) // a claim of the verified token
 * @Check('viewer', 'document:{params.id}', { context: () => ({ current_time: new Date().toISOString() }) })
 */
export type CheckContextTemplate =
  | Readonly<Record<string, string>>
  | ((request: OpenFgaRequest, args?: ResolverArgs) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>);

/** One contextual tuple for `@Check`: user and object are templates, as `@Check`'s own. */
export interface ContextualTupleTemplate {
  user: RequestTemplate;
  relation: string;
  object: RequestTemplate;
  condition?: TupleCondition;
}

/**
 * Contextual tuples for `@Check` (hold for that check only, never written):
 * templates, or a function of the request (and, in a GraphQL resolver, its
 * arguments) returning the tuples.
 *
 * Each tuple is an assertion the server makes ("this user is in this group"):
 * fill it from the authenticated user (`{user...}`, e.g. a verified token
 * claim) or from data the server loaded, never from what the caller sends, or
 * the caller asserts its own access. Placeholders of `params`, `query`,
 * `body`, `headers` and `args` are refused when the class loads unless listed
 * in the `@Check`'s `trusted` option.
 *
 * @example
 * @Check('viewer', 'document:{params.id}', {
 *   contextualTuples: [{ user: 'user:{user.id}', relation: 'member', object: 'group:{user.team}' }], // team: a token claim
 * })
 */
export type ContextualTuplesTemplate =
  | readonly ContextualTupleTemplate[]
  | ((
      request: OpenFgaRequest,
      args?: ResolverArgs,
    ) => readonly ConditionalTuple[] | undefined | Promise<readonly ConditionalTuple[] | undefined>);

/** What a `@Check` carries beyond its tuple, filled from a request. */
export interface PreparedCheckExtras {
  /**
   * Throws `TemplateResolutionError`, `InvalidCheckOptionsError` or `InvalidTupleError` when the request
   * cannot fill them (400); anything else is a function that crashed. `args`: a GraphQL resolver's arguments
   * (for `{args...}` and the function forms); without them, `{args...}` has no value.
   */
  resolve(
    request: OpenFgaRequest,
    args?: ResolverArgs,
  ): Promise<{ context?: Record<string, unknown>; contextualTuples?: ConditionalTuple[] }>;
}

/**
 * Compiles `@Check`'s `context` and `contextualTuples` at decoration time: bad templates, and placeholders of the
 * caller's input that `trust` does not list, throw `InvalidTemplateError`.
 */
export function prepareCheckExtras(
  context: CheckContextTemplate | undefined,
  tuples: ContextualTuplesTemplate | undefined,
  sources: readonly TemplateSource[],
  trust: CallerInputPolicy = callerInputPolicy(undefined),
): PreparedCheckExtras | undefined {
  if (context === undefined && tuples === undefined) return undefined;
  const fillContext = context === undefined ? undefined : prepareContext(context, sources, trust);
  const fillTuples = tuples === undefined ? undefined : prepareTuples(tuples, sources, trust);
  return {
    async resolve(request, args) {
      // Filled as object templates are: `{args...}` only in a resolver, `{params|query|body...}` only over HTTP.
      const from: TemplateContext = args === undefined ? { request } : { request, args };
      const [ctx, list] = await Promise.all([fillContext?.(from), fillTuples?.(from)]);
      return {
        ...(ctx !== undefined ? { context: validateContext(ctx, 'context') } : {}),
        ...(list !== undefined ? { contextualTuples: validateContextualTuples(list, 'contextualTuples') } : {}),
      };
    },
  };
}

type Fill<T> = (from: TemplateContext) => Promise<T | undefined>;

function prepareContext(template: CheckContextTemplate, sources: readonly TemplateSource[], trust: CallerInputPolicy): Fill<unknown> {
  if (typeof template === 'function') return async ({ request, args }) => template(request, args);
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new InvalidTemplateError(String(template), 'context: expected an object of templates or a function of the request');
  }
  const entries = Object.entries(template).map(([key, text]) => [key, prepareValue(text, `context.${key}`, sources, trust)] as const);
  return (from) => {
    const out: Record<string, unknown> = {};
    for (const [key, fill] of entries) out[key] = fill(from);
    return Promise.resolve(out);
  };
}

function prepareTuples(
  template: ContextualTuplesTemplate,
  sources: readonly TemplateSource[],
  trust: CallerInputPolicy,
): Fill<readonly unknown[]> {
  if (typeof template === 'function') return async ({ request, args }) => template(request, args);
  if (!Array.isArray(template))
    throw new InvalidTemplateError(String(template), 'contextualTuples: expected an array of tuple templates or a function');
  const prepared = (template as readonly ContextualTupleTemplate[]).map((t, i) => {
    const [user, object] = [prepareTemplate(t.user, 'user', sources), prepareTemplate(t.object, 'object', sources)];
    for (const [field, text] of [
      ['user', t.user],
      ['object', t.object],
    ] as const) {
      if (typeof text === 'string') trust.assertTrusted(text, `contextualTuples[${i}].${field}`, placeholdersOf(text, sources));
    }
    return { user, relation: declaredRelation('@Check contextualTuples', t.relation), object, condition: t.condition };
  });
  return (from) =>
    Promise.all(
      prepared.map(async (t) => ({
        user: await t.user.resolve(from),
        relation: t.relation,
        object: await t.object.resolve(from),
        ...(t.condition ? { condition: t.condition } : {}),
      })),
    );
}

/** A context value template: a lone placeholder gives its value as is; text with placeholders gives a string. */
function prepareValue(
  text: unknown,
  field: string,
  sources: readonly TemplateSource[],
  trust: CallerInputPolicy,
): (from: TemplateContext) => unknown {
  if (typeof text !== 'string') throw new InvalidTemplateError(String(text), `${field}: expected a string template`);
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, match.index));
    placeholders.push(parsePlaceholder(text, match[1], sources));
    last = match.index + match[0].length;
  }
  literals.push(text.slice(last));
  if (literals.some((l) => l.includes('{') || l.includes('}'))) throw new InvalidTemplateError(text, 'unbalanced "{" or "}"');
  trust.assertTrusted(text, field, placeholders);
  const read = (p: Placeholder, from: TemplateContext): unknown => {
    const value = readPlaceholder(text, p, from);
    if (value === undefined || value === null || value === '')
      throw new TemplateResolutionError(text, p.expression, 'missing', 'has no value');
    return value;
  };
  if (placeholders.length === 0) return () => text;
  if (placeholders.length === 1 && literals[0] === '' && literals[1] === '') return (from) => read(placeholders[0], from);
  return (from) => {
    let out = literals[0];
    placeholders.forEach((p, i) => {
      const value = read(p, from);
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new TemplateResolutionError(text, p.expression, 'invalid', 'is not a string or number');
      }
      out += String(value) + literals[i + 1];
    });
    return out;
  };
}
