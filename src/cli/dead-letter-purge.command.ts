import { Option, SubCommand } from 'nest-commander';
import { formatBuffer, plural } from './cli-format';
import { assertCanConfirm, confirmOrAbort } from './confirmation';
import { missingIds } from './dead-letter-ids';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:dead-letter purge`. */
export interface DeadLetterPurgeCommandOptions extends ConnectionCommandOptions {
  /** Delete without asking (required when stdin is not a terminal). */
  force?: boolean;
}

/**
 * `openfga:dead-letter purge [ids...] [--force] [--connection <name>]`: deletes dead letters (all,
 * or the given ids) for good. Like `openfga:cache:clear`, it asks on a terminal
 * and refuses without `--force` otherwise. "All" after a question means the
 * dead letters it counted: one that arrives while the question is open is kept.
 */
@SubCommand({
  name: 'purge',
  arguments: '[ids...]',
  argsDescription: { ids: 'dead-letter ids (from "list"); all when none are given' },
  description: 'Delete dead letters (all, or the given ids); asks first, or needs --force without a terminal',
})
export class OpenFgaDeadLetterPurgeCommand extends OpenFgaCliCommand<DeadLetterPurgeCommandOptions> {
  @Option({ flags: '-f, --force', description: 'delete without asking (required when stdin is not a terminal)' })
  parseForce(): boolean {
    return true;
  }

  protected async execute(params: string[], { force }: DeadLetterPurgeCommandOptions): Promise<OpenFgaCliExitCode> {
    assertCanConfirm(this.console, force, 'purge dead letters');
    const ids = [...new Set(params)];
    const missing = ids.length ? await missingIds(this.openfga, ids) : [];
    const found = ids.filter((id) => !missing.includes(id));
    let purged: number;
    let kept = 0;
    if (ids.length) {
      if (found.length > 0) {
        await confirmOrAbort(
          this.console,
          force,
          `Delete ${plural(found.length, 'dead letter')} (${found.join(', ')})${of(this.options)} for good?`,
        );
      }
      purged = found.length > 0 ? await this.openfga.purgeDeadLetters(found) : 0;
    } else if (force) {
      purged = await this.openfga.purgeDeadLetters();
    } else {
      // The ids the question counts: those are what "all" deletes, never one dead-lettered while it is open.
      const listed = (await this.openfga.getDeadLetters()).map((d) => d.id);
      if (listed.length > 0) {
        await confirmOrAbort(
          this.console,
          force,
          `Delete all ${plural(listed.length, 'dead letter')}${of(this.options)} for good? They will never reach OpenFGA.`,
        );
      }
      purged = listed.length > 0 ? await this.openfga.purgeDeadLetters(listed) : 0;
      if (listed.length > 0) {
        const asked = new Set(listed);
        kept = (await this.openfga.getDeadLetters()).filter((d) => !asked.has(d.id)).length;
      }
    }
    this.console.out(`Purged ${plural(purged, 'dead letter')}.`);
    if (kept > 0) {
      this.console.err(
        `${plural(kept, 'dead letter')} that arrived while the prompt was open ${kept === 1 ? 'was' : 'were'} kept; ` +
          `see ${kept === 1 ? 'it' : 'them'} with "openfga:dead-letter list".`,
      );
    }
    if (missing.length) {
      this.console.err(`error: no dead letter with id ${missing.join(', ')}.`);
      return OpenFgaCliExitCode.Failed;
    }
    return OpenFgaCliExitCode.Ok;
  }
}

/** ` of store … (…, connection "billing")` for a named connection: the prompt says whose dead letters go. */
const of = (o: { storeId: string; prefix: string; connection: string }) => (o.connection === 'default' ? '' : ` of ${formatBuffer(o)}`);
