import { Command, Option } from 'nest-commander';
import { formatBuffer, plural } from './cli-format';
import { assertCanConfirm, confirmOrAbort } from './confirmation';
import { OpenFgaCliExitCode } from './exit-codes';
import { ConnectionCommandOptions, OpenFgaCliCommand } from './openfga-cli-command';

/** Options of `openfga:cache:clear`. */
export interface CacheClearCommandOptions extends ConnectionCommandOptions {
  /** Discard without asking (required when stdin is not a terminal). */
  force?: boolean;
}

/**
 * `openfga:cache:clear [--force] [--connection <name>]`: discards pending operations (they never
 * reach OpenFGA); batches in flight are left to finish. Asks for confirmation
 * on a terminal; without one it refuses unless `--force` is given.
 *
 * @example
 * nestjs-openfga openfga:cache:clear --force
 */
@Command({
  name: 'openfga:cache:clear',
  description: 'Discard pending operations (not in-flight ones); asks first, or needs --force without a terminal',
})
export class OpenFgaCacheClearCommand extends OpenFgaCliCommand<CacheClearCommandOptions> {
  @Option({ flags: '-f, --force', description: 'discard without asking (required when stdin is not a terminal)' })
  parseForce(): boolean {
    return true;
  }

  protected async execute(_params: string[], { force }: CacheClearCommandOptions): Promise<OpenFgaCliExitCode> {
    assertCanConfirm(this.console, force, 'clear the buffer');
    if (!force) {
      const { pending } = await this.openfga.status();
      if (pending.total === 0) {
        this.console.out('Nothing pending; nothing to clear.');
        return OpenFgaCliExitCode.Ok;
      }
      await confirmOrAbort(
        this.console,
        force,
        `Discard ${plural(pending.total, 'pending operation')} of ${formatBuffer(this.options)}? ` + 'They will never reach OpenFGA.',
      );
    }
    const discarded = await this.openfga.clear();
    this.console.out(`Discarded ${plural(discarded, 'pending operation')}.`);
    const { inFlight } = await this.openfga.status();
    if (inFlight > 0) this.console.err(`${plural(inFlight, 'operation')} in flight were left to finish.`);
    return OpenFgaCliExitCode.Ok;
  }
}
