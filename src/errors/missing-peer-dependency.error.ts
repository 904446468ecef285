import { OpenFgaError } from './openfga.error';

/**
 * Thrown at start-up when a feature needs an optional peer dependency that
 * is not installed, or whose Nest module the application did not import.
 * The message says what to install and, where needed, what to import.
 *
 * @example
 * // OpenFgaMetricsModule without prom-client installed:
 * // MissingPeerDependencyError: OpenFgaMetricsModule needs the "prom-client" package: install it with `npm install prom-client`
 */
export class MissingPeerDependencyError extends OpenFgaError {
  override readonly name = 'MissingPeerDependencyError';

  constructor(
    /** The package, e.g. `prom-client`. */
    readonly dependency: string,
    /** What needs it, e.g. `OpenFgaMetricsModule` or `OpenFgaModule option "cron"`. */
    readonly feature: string,
    /** The set-up step besides installing it, e.g. "add `ScheduleModule.forRoot()` to ...". */
    setup?: string,
    cause?: unknown,
  ) {
    super(`${feature} needs the "${dependency}" package: install it with \`npm install ${dependency}\`${setup ? ` and ${setup}` : ''}`, {
      cause,
    });
  }
}
