import { OpenFgaError } from '../../errors/openfga.error';

/**
 * Thrown at start-up when a handler (or class) lists a guard after `@Check`'s
 * at the same level: written below `@UseGuards(...)` in source order, so it
 * ran before authentication and answered 401 to every signed-in user.
 * The message names each handler and the fix.
 */
export class GuardOrderError extends OpenFgaError {
  override readonly name = 'GuardOrderError';

  constructor(readonly problems: readonly string[]) {
    super(
      `@Check would run before the guard that authenticates the user (it is written below it), answering 401 to every signed-in user:\n  ${problems.join('\n  ')}\n` +
        'Write @Check above @UseGuards(...) (decorators apply bottom-up, guards run in the order written), or put the authentication guard on the class or register it globally.',
    );
  }
}
