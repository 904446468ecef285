import { Command, Option } from 'nest-commander';
import { formatBuffer, plural, retryingNote } from './cli-format';
import { assertCanConfirm, confirmOrAbort } from './confirmation';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:cache:clear`. */
export interface CacheClearCommandOptions extends ConnectionCommandOptions {
  /** Discard without asking (required when stdin is not a terminal). */
  force?: boolean;
}

/**
 * `openfga:cache:clear [--force] [--connection <name>]`: discards pending operations, and those waiting
 * out a retry backoff after a failed write (no flush is writing them); they never reach OpenFGA.
 * Batches being written are left to finish. Asks for confirmation on a terminal, then discards what
 * it counted for the question and nothing buffered while it was open (those are kept, and said so);
 * without a terminal it refuses unless `--force` is given.
 *
 * @example
 * nestjs-openfga openfga:cache:clear --force
 */
@Command({
  name: 'openfga:cache:clear',
  description: 'Discard pending operations (not those being written); asks first, or needs --force without a terminal',
})
export class OpenFgaCacheClearCommand extends OpenFgaCliCommand<CacheClearCommandOptions> {
  @Option({ flags: '-f, --force', description: 'discard without asking (required when stdin is not a terminal)' })
  parseForce(): boolean {
    return true;
  }

  protected async execute(_params: string[], { force }: CacheClearCommandOptions): Promise<OpenFgaCliExitCode> {
    assertCanConfirm(this.console, force, 'clear the buffer');
    // The position of the count the operator confirms: what is buffered after it is not discarded.
    let upTo: number | undefined;
    if (!force) {
      const before = await this.openfga.backlog();
      const total = before.pending.total + before.retrying;
      if (total === 0) {
        this.console.out('Nothing pending; nothing to clear.');
        this.reportWriting(before.writing);
        return OpenFgaCliExitCode.Ok;
      }
      await confirmOrAbort(
        this.console,
        force,
        `Discard ${plural(total, 'pending operation')}${retryingNote(before.retrying, total)} of ${formatBuffer(this.options)}? ` +
          'They will never reach OpenFGA.',
      );
      upTo = before.position;
    }
    const discarded = await this.openfga.clear(upTo === undefined ? undefined : { upTo });
    this.console.out(`Discarded ${plural(discarded, 'pending operation')}.`);
    const after = await this.openfga.backlog();
    const kept = after.pending.total + after.retrying;
    if (kept > 0) {
      const when = upTo === undefined ? 'while clearing' : 'while the prompt was open';
      this.console.err(
        `${plural(kept, 'operation')} buffered ${when} ${was(kept)} kept; the next flush writes ${kept === 1 ? 'it' : 'them'}.`,
      );
    }
    this.reportWriting(after.writing);
    return OpenFgaCliExitCode.Ok;
  }

  private reportWriting(writing: number): void {
    if (writing > 0) this.console.err(`${plural(writing, 'operation')} being written ${was(writing)} left to finish.`);
  }
}

const was = (n: number) => (n === 1 ? 'was' : 'were');
