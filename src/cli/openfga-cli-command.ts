import { Injectable } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { CommandRunner, Option } from 'nest-commander';
import { DEFAULT_CONNECTION } from '../connection/connection-tokens';
import { appConnections, OpenFgaConnection, resolveConnection } from '../connection/app-connections';
import type { OpenFgaService } from '../openfga.service';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { OpenFgaCliError } from './cli-errors';
import { OpenFgaCliConsole } from './cli-console';
import { parseConnectionOption } from './connection-option';
import { OpenFgaCliExitCode } from './exit-codes';

/** The option every buffer command takes. */
export interface ConnectionCommandOptions {
  /** The connection to operate on: `default` (the default), or the `name` given to `OpenFgaModule.forRoot`. */
  connection?: string;
}

/**
 * Base of the OpenFGA commands that act on a buffer: `execute` returns an exit
 * code, which is set as `process.exitCode`; an error is printed as one line on
 * stderr (no stack) and exits with {@link OpenFgaCliExitCode.Failed} (or the
 * error's own code). Errors never escape to nest-commander, whose default
 * handler would exit 0. Every command takes `--connection <name>` from here and
 * gets that connection's service and options, found by name (so an app with
 * only named connections works); a name the app lacks exits with
 * {@link OpenFgaCliExitCode.Usage}, naming those it has. Nest resolves a
 * subclass without a constructor through this one.
 */
@Injectable()
export abstract class OpenFgaCliCommand<TOptions extends ConnectionCommandOptions = ConnectionCommandOptions> extends CommandRunner {
  private target?: OpenFgaConnection;

  constructor(
    protected readonly console: OpenFgaCliConsole,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {
    super();
  }

  @Option({
    flags: '--connection <name>',
    description: 'the connection to operate on: the name given to OpenFgaModule.forRoot (default: "default")',
  })
  parseConnection(value: string): string {
    return parseConnectionOption(value);
  }

  /** Does the work; returns the exit code. */
  protected abstract execute(params: string[], options: TOptions): Promise<OpenFgaCliExitCode>;

  /** Whether the command works on the one connection of `--connection` (found before `execute`); false for `--all-connections`. */
  protected targetsOneConnection(_options: TOptions): boolean {
    return true;
  }

  /** The service of the connection of `--connection`. */
  protected get openfga(): OpenFgaService {
    return this.targeted().service;
  }

  /** The resolved options of the connection of `--connection`. */
  protected get options(): ResolvedOpenFgaOptions {
    return this.targeted().options;
  }

  /** The connections of the application, the default first. */
  protected connections(): string[] {
    return [...appConnections(this.modules).keys()];
  }

  /** The connection `name`; a usage error naming the registered ones when the app has none of that name. */
  protected connect(name: string): OpenFgaConnection {
    try {
      return resolveConnection(this.moduleRef, this.modules, name);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new OpenFgaCliError(`${message}; pass --connection <name>`, OpenFgaCliExitCode.Usage);
    }
  }

  override async run(params: string[], options?: TOptions): Promise<void> {
    const o = options ?? ({} as TOptions);
    let code: OpenFgaCliExitCode;
    try {
      this.target = this.targetsOneConnection(o) ? this.connect(o.connection ?? DEFAULT_CONNECTION) : undefined;
      code = await this.execute(params, o);
    } catch (err) {
      this.console.err(`error: ${describeError(err)}`);
      code = err instanceof OpenFgaCliError ? err.exitCode : OpenFgaCliExitCode.Failed;
    }
    if (code !== OpenFgaCliExitCode.Ok) process.exitCode = code;
  }

  private targeted(): OpenFgaConnection {
    if (!this.target) throw new Error('no connection chosen: this command works on several (--all-connections)');
    return this.target;
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
