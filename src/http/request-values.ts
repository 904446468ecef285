import { BadRequestException, ExecutionContext, ForbiddenException, HttpException, Logger, UnauthorizedException } from '@nestjs/common';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { validateOneUser } from '../tuple/validate-tuple';
import { PreparedTemplate, validateTemplateValue } from './object-template';
import { TemplateResolutionError } from './template-resolution.error';

/** What a request whose identity is not one OpenFGA user is answered (401). */
export const NOT_ONE_USER =
  'The request user is not one OpenFGA user: expected "type:id" with no wildcard "*", userset "#" or ":" in the id';

/**
 * The validated user of a request, for the guard and the interceptor: 401 when
 * there is none, and when the identity is not one user (a wildcard, a userset,
 * an id with tuple syntax: the account id may be the caller's choice, and
 * acting as `user:*` would grant to everyone); both logged as a warning when
 * a user was given. 403 (logged) when finding the user failed otherwise.
 */
export async function identifyRequestUser(
  read: () => Promise<string | undefined>,
  logger: Logger,
  context: ExecutionContext,
  refusal: 'Access denied' | 'Request refused',
): Promise<string> {
  try {
    const user = await read();
    if (user === undefined || user === '') throw new UnauthorizedException();
    return validateOneUser(user, 'user');
  } catch (err) {
    if (err instanceof HttpException) throw err;
    const notOneUser = err instanceof InvalidTupleError || err instanceof TemplateResolutionError;
    logger.warn({
      message: `${refusal}: the request user is not ${notOneUser ? 'one' : 'a valid'} OpenFGA user`,
      route: routeName(context),
      reason: errorMessage(err),
    });
    if (notOneUser) throw new UnauthorizedException(NOT_ONE_USER);
    throw new ForbiddenException('The request user is not a valid OpenFGA user');
  }
}

/**
 * A template filled from the request and validated again (an overridden hook
 * may return anything). The caller's input cannot fill it: 400. Any other
 * failure (a function template that crashed) is rethrown for the caller to map.
 */
export async function fillTemplate(template: PreparedTemplate, resolve: () => Promise<string>): Promise<string> {
  try {
    return validateTemplateValue(template.field, await resolve());
  } catch (err) {
    if (err instanceof TemplateResolutionError || err instanceof InvalidTupleError) throw new BadRequestException(err.message);
    throw err;
  }
}

export function routeName(context: ExecutionContext): string {
  return `${context.getClass().name}.${context.getHandler().name}`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
