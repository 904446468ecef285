import { OpenFgaError } from '../../errors/openfga.error';
import { connectionList } from '../../connection/connection-registry';

/**
 * Thrown at start-up when `@Check`, `@Grant` or `@Revoke` name a connection
 * (`{ connection }`; unset is the default one) that no `OpenFgaModule.forRoot`
 * of the app registered: every request would fail. The message names each
 * handler, its connection and the registered ones. Checked whatever `validateDecorators` says.
 */
export class UnknownConnectionError extends OpenFgaError {
  override readonly name = 'UnknownConnectionError';

  constructor(
    /** One line per decorator, e.g. `InvoicesController.show: @Check names connection "biling"`. */
    readonly problems: readonly string[],
    /** The connections the app registered. */
    readonly registered: readonly string[],
  ) {
    super(
      `${problems.length === 1 ? 'A decorator names a connection' : `${problems.length} decorators name connections`} no OpenFgaModule registered (registered: ${connectionList(registered)}):\n  ${problems.join('\n  ')}\n` +
        "Register it with OpenFgaModule.forRoot({ name: '...', ... }) (forRoot without a name for the default one), or fix the decorator's connection option.",
    );
  }
}
