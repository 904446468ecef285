import type { Tuple } from '../tuple/tuple';

/**
 * Decides `check` for a tuple nothing else decided (no pending operation,
 * no `allow`/`deny` seed, not written).
 *
 * @example
 * const ownersOnly: CheckResolver = ({ relation }) => relation === 'owner';
 */
export type CheckResolver = (tuple: Tuple) => boolean;

/**
 * Options of `new OpenFgaFake()` and `OpenFgaTestingModule.forRoot()`.
 *
 * @example
 * new OpenFgaFake({ allow: [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }] })
 * new OpenFgaFake({ allow: true }) // every check not otherwise decided is allowed
 */
export interface OpenFgaFakeOptions {
  /**
   * What `check` answers when nothing else decides: `false` (default) denies,
   * `true` allows, a list allows exactly those tuples (validated like `grant`),
   * a function decides per tuple.
   */
  allow?: boolean | readonly Tuple[] | CheckResolver;
}
