import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaError } from '../errors/openfga.error';

/** A failure a command reports with a message and an exit code, without a stack trace. */
export class OpenFgaCliError extends OpenFgaError {
  override readonly name: string = 'OpenFgaCliError';

  constructor(
    message: string,
    readonly exitCode: OpenFgaCliExitCode = OpenFgaCliExitCode.Failed,
  ) {
    super(message);
  }
}

/**
 * An invalid option value. It carries commander's `invalidArgument` code, so
 * commander prints it as a usage error and exits with {@link OpenFgaCliExitCode.Usage}.
 */
export class OpenFgaCliUsageError extends OpenFgaCliError {
  override readonly name: string = 'OpenFgaCliUsageError';
  /** Read by commander (duck-typed, like its own `InvalidArgumentError`). */
  readonly code = 'commander.invalidArgument';

  constructor(message: string) {
    super(message, OpenFgaCliExitCode.Usage);
  }
}
