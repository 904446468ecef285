import { SubCommand } from 'nest-commander';
import { missingIds } from './dead-letter-ids';
import { plural } from './cli-format';
import { OpenFgaCliExitCode } from './exit-codes';
import { OpenFgaCliCommand } from './openfga-cli-command';

/**
 * `openfga:dead-letter retry [ids...] [--connection <name>]`: returns dead letters (all, or the given
 * ids) to the buffer; the next flush writes them. One whose tuple has a newer
 * operation (pending, in flight, or written or dead-lettered since) is dropped
 * instead (last operation wins), and its id is printed. Unknown ids exit
 * with {@link OpenFgaCliExitCode.Failed} (the known ones are still retried).
 */
@SubCommand({
  name: 'retry',
  arguments: '[ids...]',
  argsDescription: { ids: 'dead-letter ids (from "list"); all when none are given' },
  description: 'Return dead letters (all, or the given ids) to the buffer for the next flush',
})
export class OpenFgaDeadLetterRetryCommand extends OpenFgaCliCommand {
  protected async execute(params: string[]): Promise<OpenFgaCliExitCode> {
    const ids = [...new Set(params)];
    const missing = ids.length ? await missingIds(this.openfga, ids) : [];
    const { requeued, superseded, supersededIds } = await this.openfga.retryDeadLetters(ids.length ? ids : undefined);
    this.console.out(
      `Requeued ${plural(requeued, 'dead letter')}` +
        (superseded ? `; dropped ${superseded} superseded by a newer operation on the same tuple (id ${supersededIds.join(', ')})` : '') +
        '.' +
        (requeued ? ' The next flush writes them (openfga:cache:flush).' : ''),
    );
    if (missing.length) {
      this.console.err(`error: no dead letter with id ${missing.join(', ')}.`);
      return OpenFgaCliExitCode.Failed;
    }
    return OpenFgaCliExitCode.Ok;
  }
}
