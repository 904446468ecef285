import { Command, CommandRunner } from 'nest-commander';
import { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaTuplesImportCommand } from './tuples-import.command';

/**
 * `tuples <import>`: bulk work on tuples through the buffer. Without an action it prints its help and
 * exits with {@link OpenFgaCliExitCode.Usage}.
 *
 * @example
 * nestjs-openfga tuples import tuples.jsonl
 */
@Command({
  name: 'tuples',
  description: 'Bulk work on tuples through the buffer: import',
  subCommands: [OpenFgaTuplesImportCommand],
})
export class OpenFgaTuplesCommand extends CommandRunner {
  constructor(private readonly console: OpenFgaCliConsole) {
    super();
  }

  async run(params: string[]): Promise<void> {
    if (params.length > 0) this.console.err(`error: unknown action "${params[0]}": expected import.\n`);
    this.console.err(this.command.helpInformation());
    process.exitCode = OpenFgaCliExitCode.Usage;
  }
}
