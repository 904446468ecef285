import { InvalidTupleError } from './invalid-tuple.error';
import type { TupleCondition } from './tuple';

/** Options of `grant`. */
export interface GrantOptions {
  /** The condition the grant is subject to (ABAC): a condition of the model, with some of its parameters. */
  condition?: TupleCondition;
}

/** Why a revoke refuses a condition. */
export const REVOKE_TAKES_NO_CONDITION =
  'absent: only a grant takes a condition (OpenFGA deletes a tuple by user, relation and object, whatever its condition)';

/** Refuses options `grant` does not know, naming them (a dropped option could widen the grant). */
export function validateGrantOptions(options: unknown): GrantOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidTupleError('options', options, 'an object { condition? }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'condition')
      throw new InvalidTupleError(`options.${key}`, (options as Record<string, unknown>)[key], 'absent: grant takes only a condition');
  }
  return options as GrantOptions;
}
