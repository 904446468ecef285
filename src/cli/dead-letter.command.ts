import { Command } from 'nest-commander';
import { OpenFgaDeadLetterListCommand } from './dead-letter-list.command';
import { OpenFgaDeadLetterPurgeCommand } from './dead-letter-purge.command';
import { OpenFgaDeadLetterRetryCommand } from './dead-letter-retry.command';
import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaCliCommand } from './openfga-cli-command';

/**
 * `openfga:dead-letter <list|retry|purge> [ids...]`: operations OpenFGA
 * rejected permanently. Without an action it prints its help and exits with
 * {@link OpenFgaCliExitCode.Usage}.
 *
 * @example
 * nestjs-openfga openfga:dead-letter list
 * nestjs-openfga openfga:dead-letter retry 42 43
 * nestjs-openfga openfga:dead-letter purge --force
 */
@Command({
  name: 'openfga:dead-letter',
  description: 'Operations OpenFGA rejected permanently: list, retry [ids...], purge [ids...]',
  subCommands: [OpenFgaDeadLetterListCommand, OpenFgaDeadLetterRetryCommand, OpenFgaDeadLetterPurgeCommand],
})
export class OpenFgaDeadLetterCommand extends OpenFgaCliCommand {
  protected async execute(params: string[]): Promise<OpenFgaCliExitCode> {
    if (params.length > 0) this.console.err(`error: unknown action "${params[0]}": expected list, retry or purge.\n`);
    this.console.err(this.command.helpInformation());
    return OpenFgaCliExitCode.Usage;
  }
}
