/**
 * Thrown at start-up when an observability module is imported but the
 * optional package it builds on is not installed. The message says what to install.
 *
 * @example
 * // OpenFgaMetricsModule without prom-client installed:
 * // OptionalDependencyMissingError: OpenFgaMetricsModule needs the "prom-client" package: install it with `npm install prom-client`
 */
export class OptionalDependencyMissingError extends Error {
  override readonly name = 'OptionalDependencyMissingError';

  constructor(
    /** The package to install, e.g. `prom-client`. */
    readonly dependency: string,
    /** What needs it, e.g. `OpenFgaMetricsModule`. */
    readonly feature: string,
    cause?: unknown,
  ) {
    super(`${feature} needs the "${dependency}" package: install it with \`npm install ${dependency}\``, { cause });
  }
}
