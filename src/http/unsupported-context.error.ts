import { OpenFgaError } from '../errors/openfga.error';

/**
 * A handler with `@Check`, `@Grant` or `@Revoke` was called in a context
 * those decorators cannot read (a microservice message, a WebSocket event):
 * they support HTTP controllers and GraphQL resolvers only (and `@Grant`/`@Revoke`
 * no `@Sse` route, whose events are not one result to record). Thrown on every
 * such call, so the handler neither runs unchecked nor is silently refused.
 *
 * @example
 * // @MessagePattern('orders.get') @Check('viewer', 'order:{params.id}') get() {}
 * // → UnsupportedContextError: @Check on OrdersController.get cannot run in a "rpc" handler: ...
 */
export class UnsupportedContextError extends OpenFgaError {
  override readonly name = 'UnsupportedContextError';

  constructor(
    /** Nest's context type, e.g. `rpc` or `ws`; `sse` for an `@Sse` route. */
    readonly contextType: string,
    /** `Controller.method` of the handler. */
    readonly handler: string,
    /** The decorators involved, e.g. `@Check`. */
    decorators: string,
    /** Why, and what to do instead; by default that only HTTP controllers and GraphQL resolvers are supported. */
    why = 'these decorators support HTTP controllers and GraphQL resolvers only; check with OpenFgaService in the handler instead',
  ) {
    super(`${decorators} on ${handler} cannot run in a "${contextType}" handler: ${why}`);
  }
}

/** `@Grant`/`@Revoke` on an `@Sse` route: refused at start-up and on every call. */
export function sseRecordError(handler: string): UnsupportedContextError {
  return new UnsupportedContextError(
    'sse',
    handler,
    '@Grant/@Revoke',
    'an @Sse route answers with a stream of events, not one result to record (@Check works there); ' +
      'grant or revoke with OpenFgaService in the handler instead',
  );
}
