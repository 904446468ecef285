import { DEFAULT_CONNECTION, isDefaultConnection, validateConnectionName } from '../connection/connection-tokens';

/**
 * A decorator's `connection` is code, not input: a bad name is refused when the
 * decorated class loads. `undefined` for the default one, so its metadata stays as it was.
 */
export function declaredConnection(decorator: string, name: unknown): string | undefined {
  const connection = validateConnectionName(name, `${decorator}: option "connection"`);
  return isDefaultConnection(connection) ? undefined : connection;
}

/** The connection a `@Check`/`@Grant`/`@Revoke` asks or writes on. */
export function connectionOf(requirement: { connection?: string }): string {
  return requirement.connection ?? DEFAULT_CONNECTION;
}
