import { BadRequestException, ExecutionContext, ForbiddenException, HttpException, Logger, UnauthorizedException } from '@nestjs/common';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';
import { validateUser } from '../tuple/validate-tuple';
import { PreparedTemplate, validateTemplateValue } from './object-template';
import { TemplateResolutionError } from './template-resolution.error';

/**
 * The validated user of a request, for the guard and the interceptor: 401 when
 * there is none; 403 (logged) when the auth layer produced one OpenFGA cannot
 * take — the identity comes from the server's own auth layer, so a bad one is a
 * misconfiguration, not the caller's input.
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
    return validateUser(user, 'user');
  } catch (err) {
    if (err instanceof HttpException) throw err;
    logger.warn({
      message: `${refusal}: the request user is not a valid OpenFGA user`,
      route: routeName(context),
      reason: errorMessage(err),
    });
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
