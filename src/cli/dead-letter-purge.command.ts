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
 * and refuses without `--force` otherwise.
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
    const targets = ids.length ? ids.length - missing.length : (await this.openfga.status()).deadLettered;
    if (targets > 0) {
      await confirmOrAbort(
        this.console,
        force,
        ids.length
          ? `Delete ${plural(targets, 'dead letter')} (${ids.filter((id) => !missing.includes(id)).join(', ')})${of(this.options)} for good?`
          : `Delete all ${plural(targets, 'dead letter')}${of(this.options)} for good? They will never reach OpenFGA.`,
      );
    }
    const purged = targets > 0 ? await this.openfga.purgeDeadLetters(ids.length ? ids : undefined) : 0;
    this.console.out(`Purged ${plural(purged, 'dead letter')}.`);
    if (missing.length) {
      this.console.err(`error: no dead letter with id ${missing.join(', ')}.`);
      return OpenFgaCliExitCode.Failed;
    }
    return OpenFgaCliExitCode.Ok;
  }
}

/** ` of store … (…, connection "billing")` for a named connection: the prompt says whose dead letters go. */
const of = (o: { storeId: string; prefix: string; connection: string }) => (o.connection === 'default' ? '' : ` of ${formatBuffer(o)}`);
