import type { OpenFgaRequest } from '../options/openfga-options.interface';
import { OBJECT_FORM, USER_FORM, validateObject, validateUser } from '../tuple/validate-tuple';
import { InvalidTemplateError } from './invalid-template.error';
import { TemplateResolutionError } from './template-resolution.error';

/**
 * Where a placeholder reads from: the request's parts, the authenticated user,
 * a GraphQL resolver's arguments (`args`), or (for `@Grant`/`@Revoke`) the
 * handler's result. In a GraphQL resolver `args` stands in for `params`,
 * `query` and `body`, which are not available there.
 */
export type TemplateSource = 'params' | 'query' | 'body' | 'headers' | 'user' | 'args' | 'result';

/** A GraphQL resolver's arguments, as graphql-js passes them. */
export type ResolverArgs = Readonly<Record<string, unknown>>;

/** What a function template returns; `undefined` or `''` counts as "no value" (400). */
export type TemplateValue = string | undefined | Promise<string | undefined>;

/**
 * A user or object for `@Check`: a string with `{source.path}` placeholders
 * read from `params`, `query`, `body`, `headers`, `user` or (GraphQL) `args`,
 * or a function of the request (and, in a GraphQL resolver, its arguments).
 *
 * @example
 * @Check('viewer', 'document:{params.id}')
 * @Check('editor', (req) => `folder:${String(req.query?.folder)}`)
 * @Check('viewer', 'document:{args.id}') // in a GraphQL resolver
 */
export type RequestTemplate = string | ((request: OpenFgaRequest, args?: ResolverArgs) => TemplateValue);

/**
 * A user or object for `@Grant`/`@Revoke`: as {@link RequestTemplate}, plus the
 * `result` source (what the handler returned). Function templates run after the handler.
 *
 * @example
 * @Grant('owner', 'document:{result.id}')
 * @Grant<Doc>('owner', (req, doc) => `document:${doc.id}`)
 */
export type ResultTemplate<TResult = unknown> = string | ((request: OpenFgaRequest, result: TResult, args?: ResolverArgs) => TemplateValue);

/** What a template is filled from. */
export interface TemplateContext {
  request: OpenFgaRequest;
  /** The handler's result; only after the handler succeeded. */
  result?: unknown;
  /** The resolver's arguments; only in a GraphQL resolver, where `params`, `query` and `body` do not exist. */
  args?: ResolverArgs;
}

/** A declared template, checked once at decoration time and filled per request. */
export interface PreparedTemplate {
  /** The template as declared, or `(function)`. */
  readonly text: string;
  /** The tuple field it fills, which decides how its value is validated. */
  readonly field: TemplateField;
  /** Whether it can only be filled after the handler returned. */
  readonly needsResult: boolean;
  /** The filled and validated value; throws `TemplateResolutionError` otherwise. */
  resolve(context: TemplateContext): Promise<string>;
}

/**
 * A function template of either kind (`RequestTemplate` or `ResultTemplate`
 * fits): `(request, args)` before the handler, `(request, result, args)` after it.
 */
type TemplateFunction = (request: OpenFgaRequest, resultOrArgs: never, args?: ResolverArgs) => TemplateValue;

/** Which tuple field a template fills, which decides how its value is validated. */
export type TemplateField = 'user' | 'object';

const SOURCES: readonly TemplateSource[] = ['params', 'query', 'body', 'headers', 'user', 'args', 'result'];
/** Parts of an HTTP request a GraphQL resolver does not have: its input is `args`. */
const NOT_IN_GRAPHQL: readonly TemplateSource[] = ['params', 'query', 'body'];
/*
 * Sources the server sets (the authenticated user, the handler's result): often class instances whose
 * values are accessors (an entity's `get id()`, a Mongoose document's virtual `id`), read as such. What
 * the caller sends is read through own properties only.
 */
const SERVER_SOURCES: readonly TemplateSource[] = ['user', 'result'];
const EXPRESSION = /^([a-z]+)((?:\.[A-Za-z0-9_$-]+)*)$/;
export const PLACEHOLDER = /\{([^{}]*)\}/g;
/*
 * A value that fills part of a template (`document:{params.id}`) must not
 * carry tuple syntax: ":" or "#" would let a caller steer the check to another
 * type, a userset or a relation, and "*" to a wildcard. Whitespace and control
 * characters are never valid in OpenFGA ids.
 */
const UNSAFE_IN_SEGMENT = /[\s\p{Cc}:#*]/u;

export interface Placeholder {
  expression: string;
  source: TemplateSource;
  path: readonly string[];
}

/**
 * Compiles a template for the given field. A template naming an unknown source,
 * with unbalanced braces, or literals that no placeholder value can make a
 * valid user/object (`document#{params.id}`) throws `InvalidTemplateError` at once.
 *
 * @example
 * const t = prepareTemplate('document:{params.id}', 'object', ['params', 'query', 'body', 'headers', 'user']);
 * await t.resolve({ request: { params: { id: '42' } } }); // 'document:42'
 */
export function prepareTemplate(
  template: string | TemplateFunction,
  field: TemplateField,
  sources: readonly TemplateSource[],
): PreparedTemplate {
  if (typeof template === 'function') return functionTemplate(template, field, sources.includes('result'));
  if (typeof template !== 'string' || template.length === 0) {
    throw new InvalidTemplateError(String(template), `expected a non-empty string or a function, got ${typeof template}`);
  }
  return stringTemplate(template, field, sources);
}

function stringTemplate(text: string, field: TemplateField, allowed: readonly TemplateSource[]): PreparedTemplate {
  const literals: string[] = [];
  const placeholders: Placeholder[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    literals.push(text.slice(last, match.index));
    placeholders.push(parsePlaceholder(text, match[1], allowed));
    last = match.index + match[0].length;
  }
  literals.push(text.slice(last));
  if (literals.some((l) => l.includes('{') || l.includes('}'))) throw new InvalidTemplateError(text, 'unbalanced "{" or "}"');
  // A lone placeholder supplies the whole value (e.g. `{body.object}`); its form is validated afterwards.
  const whole = placeholders.length === 1 && literals[0] === '' && literals[1] === '';
  if (!whole) assertLiteralsCanBeValid(text, field, literals);
  return {
    text,
    field,
    needsResult: placeholders.some((p) => p.source === 'result'),
    async resolve(context) {
      let out = literals[0];
      placeholders.forEach((p, i) => {
        out += fill(text, p, context, whole) + literals[i + 1];
      });
      return checked(text, field, out);
    },
  };
}

/*
 * A value filling part of a template carries no ":", "#", "*" or whitespace,
 * so the literals alone decide the tuple syntax: if the template is invalid
 * with a plain id in each placeholder (`document:{params.id}#owner`,
 * `document#{params.id}`), no request can fill it, and the mistake is the
 * code's, not the caller's (a 400 on every request would blame the caller).
 */
const PROBE = 'x';

function assertLiteralsCanBeValid(text: string, field: TemplateField, literals: readonly string[]): void {
  const probed = literals.join(PROBE);
  try {
    validateTemplateValue(field, probed);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InvalidTemplateError(
      text,
      literals.length === 1 ? detail : `no value can make it valid: filled with "${PROBE}" it gives ${JSON.stringify(probed)} (${detail})`,
    );
  }
}

function functionTemplate(template: TemplateFunction, field: TemplateField, afterHandler: boolean): PreparedTemplate {
  return {
    text: '(function)',
    field,
    needsResult: afterHandler,
    async resolve({ request, result, args }) {
      const fn = template as (request: OpenFgaRequest, resultOrArgs: unknown, args?: ResolverArgs) => TemplateValue;
      const value: unknown = await (afterHandler ? fn(request, result, args) : fn(request, args));
      if (value === undefined || value === null || value === '') {
        throw new TemplateResolutionError('(function)', '(function)', 'missing', 'returned no value');
      }
      if (typeof value !== 'string') {
        throw new TemplateResolutionError('(function)', '(function)', 'invalid', `returned a ${typeof value}, expected a string`);
      }
      return checked('(function)', field, value);
    },
  };
}

export function parsePlaceholder(text: string, expression: string, allowed: readonly TemplateSource[]): Placeholder {
  const match = EXPRESSION.exec(expression.trim());
  if (!match) throw new InvalidTemplateError(text, `{${expression}} is not of the form {source.path}, e.g. {params.id}`);
  const source = match[1] as TemplateSource;
  if (!SOURCES.includes(source) || !allowed.includes(source)) {
    throw new InvalidTemplateError(text, `unknown source "${match[1]}" (use ${allowed.join(', ')})`);
  }
  return { expression: `{${expression.trim()}}`, source, path: match[2].split('.').slice(1) };
}

function fill(text: string, p: Placeholder, context: TemplateContext, whole: boolean): string {
  const value = readPlaceholder(text, p, context);
  if (value === undefined || value === null || value === '') {
    throw new TemplateResolutionError(text, p.expression, 'missing', 'has no value');
  }
  let str: string;
  if (typeof value === 'string') str = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') str = String(value);
  else {
    const what = Array.isArray(value) ? 'several values' : `a ${typeof value}`;
    throw new TemplateResolutionError(text, p.expression, 'invalid', `is ${what}, expected one string or number`);
  }
  if (!whole && UNSAFE_IN_SEGMENT.test(str)) {
    throw new TemplateResolutionError(text, p.expression, 'invalid', 'contains whitespace, ":", "#" or "*", which an id may not');
  }
  return str;
}

/**
 * A placeholder's raw value (not yet checked): `undefined` when a step of its path is absent. Throws
 * `TemplateResolutionError` for a source the call does not have (`{args...}` over HTTP, `{params...}` in a resolver).
 */
export function readPlaceholder(text: string, p: Placeholder, context: TemplateContext): unknown {
  const read = SERVER_SOURCES.includes(p.source) ? property : own;
  let value = sourceValue(text, p, context);
  for (const key of p.path) value = read(value, key);
  return value;
}

function sourceValue(text: string, p: Placeholder, { request, result, args }: TemplateContext): unknown {
  if (p.source === 'result') return result;
  if (p.source === 'args') {
    if (args === undefined)
      throw new TemplateResolutionError(text, p.expression, 'missing', 'has no value: {args...} is filled in GraphQL resolvers only');
    return args;
  }
  if (args !== undefined && NOT_IN_GRAPHQL.includes(p.source)) {
    throw new TemplateResolutionError(
      text,
      p.expression,
      'missing',
      `has no value: a GraphQL resolver has no ${p.source}, read its arguments with {args...}`,
    );
  }
  return request[p.source];
}

/** Own properties only: `{body.constructor}` or `{query.__proto__}` never reach the prototype chain. */
export function own(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Own properties and those of the object's classes, accessors included (a `get id()`, a Mongoose virtual),
 * but none of `Object.prototype`'s (`constructor`, `__proto__`, `toString`).
 */
function property(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  for (let o: object | null = value; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    // The nearest holder of `key` is what a plain read finds, so read it the plain way (a getter sees its object).
    if (Object.prototype.hasOwnProperty.call(o, key)) return (value as Record<string, unknown>)[key];
  }
  return undefined;
}

/** Validates a filled value as the user or object it stands for; throws `InvalidTupleError`. */
export function validateTemplateValue(field: TemplateField, value: string): string {
  return field === 'object' ? validateObject(value, field) : validateUser(value, field);
}

function checked(text: string, field: TemplateField, value: string): string {
  try {
    return validateTemplateValue(field, value);
  } catch {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new TemplateResolutionError(
      text,
      text,
      'invalid',
      `gives ${JSON.stringify(shown)}, expected ${field === 'object' ? OBJECT_FORM : USER_FORM}`,
    );
  }
}
