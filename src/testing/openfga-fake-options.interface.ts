import type { Tuple } from '../tuple/tuple';
import type { FakeModelSource } from './fake/fake-model-source';

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
  /**
   * Your authorization model: the path of its `.fga` (or `.json`) file, its
   * `.fga` text, or its JSON form (e.g. from `fga model transform`). DSL needs
   * the optional peer `@openfga/syntax-transformer`. `check` then answers
   * derived relations (editor ⇒ viewer, groups, parent folders, `user:*`,
   * `but not`) over the written and pending tuples as OpenFGA would, and
   * `grant` refuses what the model forbids as the real service does. With a
   * model, `allow: true` or a function is not consulted (the model decides);
   * `allow`/`deny` seeds still decide their tuple.
   *
   * @example
   * new OpenFgaFake({ model: 'test/model.fga' })
   */
  model?: FakeModelSource;
}
