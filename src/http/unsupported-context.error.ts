import { OpenFgaError } from '../errors/openfga.error';

/**
 * A handler with `@Check`, `@Grant` or `@Revoke` was called in a context
 * those decorators cannot read (a microservice message, a WebSocket event):
 * they support HTTP controllers and GraphQL resolvers only. Thrown on every
 * such call, so the handler neither runs unchecked nor is silently refused.
 *
 * @example
 * // @MessagePattern('orders.get') @Check('viewer', 'order:{params.id}') get() {}
 * // → UnsupportedContextError: @Check on OrdersController.get cannot run in a "rpc" handler: ...
 */
export class UnsupportedContextError extends OpenFgaError {
  override readonly name = 'UnsupportedContextError';

  constructor(
    /** Nest's context type, e.g. `rpc` or `ws`. */
    readonly contextType: string,
    /** `Controller.method` of the handler. */
    readonly handler: string,
    /** The decorators involved, e.g. `@Check`. */
    decorators: string,
  ) {
    super(
      `${decorators} on ${handler} cannot run in a "${contextType}" handler: ` +
        'these decorators support HTTP controllers and GraphQL resolvers only; check with OpenFgaService in the handler instead',
    );
  }
}
