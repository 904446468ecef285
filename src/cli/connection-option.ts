import { validateConnectionName } from '../connection/connection-tokens';
import { OpenFgaCliUsageError } from './cli-errors';

/** The value of a `--connection <name>` option: a connection name, or a usage error (exit 2) saying what a name is. */
export function parseConnectionOption(value: string): string {
  try {
    return validateConnectionName(value, '--connection');
  } catch (err) {
    throw new OpenFgaCliUsageError(err instanceof Error ? err.message : String(err));
  }
}
