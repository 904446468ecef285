/**
 * The header that carries a consistency token: `@Grant`/`@Revoke` routes send
 * it back, and a request that carries it gets `at-least-as-fresh` checks.
 *
 * @example
 * app.enableCors({ exposedHeaders: [CONSISTENCY_TOKEN_HEADER] }); // let browsers read it
 */
export const CONSISTENCY_TOKEN_HEADER = 'X-Consistency-Token';

/** Metadata key of the `@Check` list of a class or route. */
export const CHECKS_METADATA = 'nestjs-openfga:checks';
/** Metadata key of `@CheckMode`. */
export const CHECK_MODE_METADATA = 'nestjs-openfga:check-mode';
/** Metadata key of the `@Grant`/`@Revoke` list of a class or route. */
export const RECORDS_METADATA = 'nestjs-openfga:records';
