import type { OpenFgaCliConsole } from './cli-console';
import { OpenFgaCliError } from './cli-errors';
import { OpenFgaCliExitCode } from './exit-codes';

/**
 * Destructive commands run with `--force`, or after a "y" at a prompt. Without
 * a terminal to ask on, they refuse (exit {@link OpenFgaCliExitCode.NotConfirmed}),
 * so a script never discards data by accident.
 */
export function assertCanConfirm(console: OpenFgaCliConsole, force: boolean | undefined, action: string): void {
  if (force || console.interactive) return;
  throw new OpenFgaCliError(
    `refusing to ${action} without --force: stdin is not a terminal, so there is no one to confirm. ` +
      'Re-run with --force to do it anyway.',
    OpenFgaCliExitCode.NotConfirmed,
  );
}

/** Asks on the terminal unless `force`; a "no" throws with {@link OpenFgaCliExitCode.NotConfirmed}. */
export async function confirmOrAbort(console: OpenFgaCliConsole, force: boolean | undefined, question: string): Promise<void> {
  if (force) return;
  if (!(await console.confirm(question))) {
    throw new OpenFgaCliError('aborted; nothing was changed.', OpenFgaCliExitCode.NotConfirmed);
  }
}
