import { Option, SubCommand } from 'nest-commander';
import { formatTable, formatTuple, plural } from './cli-format';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:dead-letter list`. */
export interface DeadLetterListCommandOptions extends ConnectionCommandOptions {
  /** Print the dead letters as a JSON array. */
  json?: boolean;
}

/**
 * `openfga:dead-letter list [--json] [--connection <name>]`: id, operation, tuple
 * (`object#relation@user`), attempts, time and OpenFGA's reason of every dead letter.
 */
@SubCommand({ name: 'list', description: 'List dead letters: id, op, tuple, attempts, time and the reason OpenFGA gave' })
export class OpenFgaDeadLetterListCommand extends OpenFgaCliCommand<DeadLetterListCommandOptions> {
  @Option({ flags: '--json', description: 'print the dead letters as a JSON array' })
  parseJson(): boolean {
    return true;
  }

  protected async execute(_params: string[], { json }: DeadLetterListCommandOptions): Promise<OpenFgaCliExitCode> {
    const letters = await this.openfga.getDeadLetters();
    if (json) {
      this.console.out(JSON.stringify(letters, null, 2));
      return OpenFgaCliExitCode.Ok;
    }
    if (letters.length === 0) {
      this.console.out('No dead letters.');
      return OpenFgaCliExitCode.Ok;
    }
    const rows = letters.map((d) => [
      d.id,
      d.operation.kind,
      formatTuple(d.operation),
      String(d.attempts),
      new Date(d.deadAt).toISOString(),
      d.reason.replace(/\s+/g, ' '),
    ]);
    this.console.out(formatTable(['ID', 'OP', 'TUPLE', 'ATTEMPTS', 'DEAD SINCE', 'REASON'], rows));
    this.console.out(`\n${plural(letters.length, 'dead letter')}.`);
    return OpenFgaCliExitCode.Ok;
  }
}
