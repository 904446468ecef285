import { OpenFgaError } from '../errors/openfga.error';

/** An enhancer of Nest's that GraphQL field resolvers run only when `fieldResolverEnhancers` names it. */
export type FieldResolverEnhancer = 'guards' | 'interceptors';

/**
 * Thrown at start-up when a GraphQL field resolver (`@ResolveField`) carries
 * `@Check` (a guard) or `@Grant`/`@Revoke` (an interceptor) that GraphQLModule
 * would skip: Nest runs no guards or interceptors on field resolvers unless
 * `fieldResolverEnhancers` names them, so the field would answer unchecked.
 *
 * @example
 * // @ResolveField() @Check('viewer', 'document:{args.id}') document() {}  with GraphQLModule.forRoot({ ... })
 * // → FieldResolverEnhancersError: @Check on LibraryResolver.document would never run: ...
 */
export class FieldResolverEnhancersError extends OpenFgaError {
  override readonly name = 'FieldResolverEnhancersError';

  constructor(
    /** One line per field resolver, e.g. `@Check on LibraryResolver.document needs "guards"`. */
    readonly problems: readonly string[],
    /** What `fieldResolverEnhancers` must name besides what it has. */
    readonly missing: readonly FieldResolverEnhancer[],
  ) {
    super(
      `${problems.length === 1 ? 'A GraphQL field resolver carries a decorator' : `${problems.length} GraphQL field resolvers carry decorators`} ` +
        `that would never run, because GraphQLModule runs no guards or interceptors on field resolvers unless its fieldResolverEnhancers option names them:\n  ` +
        `${problems.join('\n  ')}\n` +
        `Add fieldResolverEnhancers: [${missing.map((e) => `'${e}'`).join(', ')}] (with any you already have) to GraphQLModule.forRoot(), ` +
        'or move the decorators to a @Query or @Mutation.',
    );
  }
}
