import { Command, CommandRunner } from 'nest-commander';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaDeadLetterListCommand } from './dead-letter-list.command';
import { OpenFgaDeadLetterPurgeCommand } from './dead-letter-purge.command';
import { OpenFgaDeadLetterRetryCommand } from './dead-letter-retry.command';
import { OpenFgaCliExitCode } from './exit-codes';

/**
 * `openfga:dead-letter <list|retry|purge> [ids...] [--connection <name>]`:
 * operations OpenFGA rejected permanently. Without an action it prints its
 * help and exits with {@link OpenFgaCliExitCode.Usage}. `--connection` belongs
 * to the actions: were it this command's too, commander would take it from
 * `list --connection billing` and the action would act on the default connection.
 *
 * @example
 * nestjs-openfga openfga:dead-letter list
 * nestjs-openfga openfga:dead-letter retry 42 43 --connection billing
 * nestjs-openfga openfga:dead-letter purge --force
 */
@Command({
  name: 'openfga:dead-letter',
  description: 'Operations OpenFGA rejected permanently: list, retry [ids...], purge [ids...]',
  subCommands: [OpenFgaDeadLetterListCommand, OpenFgaDeadLetterRetryCommand, OpenFgaDeadLetterPurgeCommand],
})
export class OpenFgaDeadLetterCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  async run(params: string[]): Promise<void> {
    if (params.length > 0) this.console.err(`error: unknown action "${params[0]}": expected list, retry or purge.\n`);
    this.console.err(this.command.helpInformation());
    process.exitCode = OpenFgaCliExitCode.Usage;
  }
}
