import { DEFAULT_CONNECTION } from '../connection/connection-tokens';
import { OpenFgaError } from '../errors/openfga.error';
import { connectionList } from '../connection/connection-registry';

/**
 * A `@Check`, `@Grant` or `@Revoke` names a connection (`{ connection }`, the
 * default one when unset) that no `OpenFgaModule.forRoot` of the app registered.
 * Start-up refuses such a decorator; a request that still meets one (an app
 * without `OpenFgaModule`'s start-up check) fails with a 500 and this message logged.
 */
export class MissingConnectionError extends OpenFgaError {
  override readonly name = 'MissingConnectionError';

  constructor(
    /** The connection asked for. */
    readonly connection: string,
    /** The connections the app registered. */
    readonly registered: readonly string[],
    /** Why it could not be looked up, when that is the cause (no `ModuleRef`). */
    cause?: string,
  ) {
    super(
      `No OpenFGA connection "${connection}" is registered (registered: ${connectionList(registered)}): ${cause ?? fixFor(connection)}`,
    );
  }
}

function fixFor(connection: string): string {
  return connection === DEFAULT_CONNECTION
    ? 'import OpenFgaModule.forRoot({ ... }) without a name, or name a registered connection in the decorator ({ connection: "..." })'
    : `import OpenFgaModule.forRoot({ name: '${connection}', ... }) (or forRootAsync), or fix the decorator's "connection"`;
}
