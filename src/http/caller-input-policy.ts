import { InvalidTemplateError } from './invalid-template.error';
import { parsePlaceholder, Placeholder, PLACEHOLDER, TemplateSource } from './object-template';

/*
 * `@Check`'s `user`, `context` and `contextualTuples` are assertions the
 * server makes about the request ("anne is in group finance", "the request
 * comes from eu"). A value the caller sends must never become one:
 * `folder:{query.folder}` as a parent lets a caller name her own folder and
 * read anyone's document. So placeholders of the caller's input are refused
 * when the class loads, unless the decorator lists them in `trusted` (a header
 * a gateway sets after verifying it, say). The checked object is the caller's
 * question and is not concerned. Function forms are the app's own code and are
 * not read.
 */

/** Sources the caller writes: the request's parts and a GraphQL resolver's arguments. `user` is the authenticated identity. */
const CALLER_SOURCES: readonly TemplateSource[] = ['params', 'query', 'body', 'headers', 'args'];
const TRUSTED_ENTRY = /^(params|query|body|headers|args)(\.[A-Za-z0-9_$-]+)+$/;

export interface CallerInputPolicy {
  /** Throws `InvalidTemplateError` when `text`, declared at `field`, reads the caller's input that `trusted` does not list. */
  assertTrusted(text: string, field: string, placeholders: readonly Placeholder[]): void;
  /** Throws when a `trusted` entry was read by no placeholder (a typo would otherwise trust nothing and say nothing). */
  assertAllRead(): void;
}

/** The policy of one `@Check`, from its `trusted` option (entries such as `'headers.x-verified-team'`). */
export function callerInputPolicy(trusted: unknown): CallerInputPolicy {
  if (trusted !== undefined && (!Array.isArray(trusted) || trusted.some((e) => typeof e !== 'string' || !TRUSTED_ENTRY.test(e)))) {
    throw new InvalidTemplateError(
      String(trusted),
      `trusted: expected a list of placeholders without braces, each of the caller's input, e.g. ['headers.x-verified-team']`,
    );
  }
  const listed = new Set<string>((trusted as string[] | undefined) ?? []);
  const read = new Set<string>();
  return {
    assertTrusted(text, field, placeholders) {
      for (const p of placeholders) {
        if (!CALLER_SOURCES.includes(p.source)) continue;
        const name = [p.source, ...p.path].join('.');
        if (listed.has(name)) {
          read.add(name);
          continue;
        }
        throw new InvalidTemplateError(
          text,
          `${field} reads ${p.expression}, which the caller chooses: the user a check asks for, its contextual tuples ` +
            'and its context are what the server asserts, so the caller could assert access it does not have. Fill it ' +
            'from the authenticated user ({user...}) or from data the server loaded (a function of the request), or, ' +
            `only if this value really is trusted (a header your gateway sets after verifying it), list "${name}" in ` +
            "this @Check's trusted option",
        );
      }
    },
    assertAllRead() {
      const unread = [...listed].filter((name) => !read.has(name));
      if (unread.length > 0) {
        throw new InvalidTemplateError(
          unread.join(', '),
          `trusted lists ${unread.map((n) => `"${n}"`).join(', ')}, which no user, context or contextualTuples placeholder of this @Check reads`,
        );
      }
    },
  };
}

/** The placeholders of a string template (already checked by `prepareTemplate`). */
export function placeholdersOf(text: string, sources: readonly TemplateSource[]): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => parsePlaceholder(text, m[1], sources));
}
