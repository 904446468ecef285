import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { validateUser } from '../tuple/validate-tuple';
import { prepareTemplate } from './object-template';
import { TemplateResolutionError } from './template-resolution.error';

/** The default identity: `user:<req.user.id>`, with the id held to the same rules as any placeholder value. */
const DEFAULT_USER = prepareTemplate('user:{user.id}', 'user', ['user']);

/**
 * The user a request acts as: the `resolveUser` option when set, else
 * `user:<req.user.id>`. `undefined` means "nobody" (the HTTP layer answers 401);
 * a value that is not a valid OpenFGA user throws (the HTTP layer answers 403).
 *
 * @example
 * await resolveRequestUser({ resolveUser: undefined }, { user: { id: 'anne' } }); // 'user:anne'
 */
export async function resolveRequestUser(
  options: Pick<ResolvedOpenFgaOptions, 'resolveUser'>,
  request: OpenFgaRequest,
): Promise<string | undefined> {
  if (options.resolveUser) {
    const value: unknown = await options.resolveUser(request);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new TypeError(`resolveUser returned a ${typeof value}, expected a string such as "user:anne"`);
    return validateUser(value, 'resolveUser() result');
  }
  try {
    return await DEFAULT_USER.resolve({ request });
  } catch (err) {
    if (err instanceof TemplateResolutionError && err.reason === 'missing') return undefined;
    throw err;
  }
}
