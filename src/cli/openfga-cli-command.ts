import { Inject } from '@nestjs/common';
import { CommandRunner } from 'nest-commander';
import { OPENFGA_OPTIONS } from '../openfga.constants';
import { OpenFgaService } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { OpenFgaCliError } from './cli-errors';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliExitCode } from './exit-codes';

/**
 * Base of the OpenFGA commands: `execute` returns an exit code, which is set
 * as `process.exitCode`; an error is printed as one line on stderr (no stack)
 * and exits with {@link OpenFgaCliExitCode.Failed} (or the error's own code).
 * Errors never escape to nest-commander, whose default handler would exit 0.
 * Every command gets the service, the module options and the console from
 * here (Nest resolves a subclass without a constructor through this one).
 */
export abstract class OpenFgaCliCommand<TOptions extends object = Record<string, never>> extends CommandRunner {
  constructor(
    protected readonly openfga: OpenFgaService,
    @Inject(OPENFGA_OPTIONS) protected readonly options: ResolvedOpenFgaOptions,
    protected readonly console: OpenFgaCliConsole,
  ) {
    super();
  }

  /** Does the work; returns the exit code. */
  protected abstract execute(params: string[], options: TOptions): Promise<OpenFgaCliExitCode>;

  override async run(params: string[], options?: TOptions): Promise<void> {
    let code: OpenFgaCliExitCode;
    try {
      code = await this.execute(params, options ?? ({} as TOptions));
    } catch (err) {
      this.console.err(`error: ${describeError(err)}`);
      code = err instanceof OpenFgaCliError ? err.exitCode : OpenFgaCliExitCode.Failed;
    }
    if (code !== OpenFgaCliExitCode.Ok) process.exitCode = code;
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // ioredis: name the failing component; its raw message alone ("Reached the max retries per request limit") is cryptic.
  const unreachable = /^Connection is closed|^(NOAUTH|WRONGPASS)\b|^None of startup nodes is available|^Failed to refresh slots cache/;
  if (err.name === 'MaxRetriesPerRequestError' || unreachable.test(err.message)) {
    return `Redis is not reachable or refused the connection: ${err.message}`;
  }
  return err.message;
}
