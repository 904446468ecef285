import { validateRelation } from '../tuple/validate-tuple';
import { InvalidTemplateError } from './invalid-template.error';

/** A relation is code, not input: a bad one is a bug, reported when the decorated class loads. */
export function declaredRelation(decorator: string, relation: string): string {
  try {
    return validateRelation(relation);
  } catch (err) {
    throw new InvalidTemplateError(String(relation), `${decorator}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
