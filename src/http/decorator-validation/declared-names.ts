import type { PreparedTemplate } from '../object-template';

/** The type (and userset relation) a template names literally, e.g. `document` in `document:{params.id}`. */
export interface LiteralNames {
  type: string;
  /** `member` in `group:{params.team}#member`. */
  relation?: string;
  /** `user:*`. */
  wildcard: boolean;
}

/** A literal type before the first `:`, with no placeholder in it; a userset relation after `#` when literal. */
const LITERAL_TYPE = /^([^{}:#]+):/;
const LITERAL_USERSET = /#([^{}:#]+)$/;

/**
 * What a template fixes before any request: its type when the text starts
 * with one. Undefined for function templates and for a whole placeholder
 * (`{body.object}`), whose type is known only at run time.
 */
export function literalNames(template: PreparedTemplate): LiteralNames | undefined {
  if (template.text === '(function)') return undefined;
  const type = LITERAL_TYPE.exec(template.text)?.[1];
  if (type === undefined) return undefined;
  const relation = template.field === 'user' ? LITERAL_USERSET.exec(template.text)?.[1] : undefined;
  return { type, ...(relation !== undefined ? { relation } : {}), wildcard: template.text === `${type}:*` };
}
