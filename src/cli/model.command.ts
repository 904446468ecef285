import { Command, CommandRunner } from 'nest-commander';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaModelTypesCommand } from './model-types.command';
import { OpenFgaModelWriteCommand } from './model-write.command';

/**
 * `model <types>`: work on an authorization model file; needs neither Redis
 * nor OpenFGA. Without an action it prints its help and exits with
 * {@link OpenFgaCliExitCode.Usage}.
 *
 * @example
 * nestjs-openfga model types model.fga --out src/openfga.types.ts
 */
@Command({
  name: 'model',
  description: 'Work on an authorization model file (no Redis needed): types, write',
  subCommands: [OpenFgaModelTypesCommand, OpenFgaModelWriteCommand],
})
export class OpenFgaModelCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  async run(params: string[]): Promise<void> {
    if (params.length > 0) this.console.err(`error: unknown action "${params[0]}": expected types or write.\n`);
    this.console.err(this.command.helpInformation());
    process.exitCode = OpenFgaCliExitCode.Usage;
  }
}
