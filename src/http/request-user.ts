import type { OpenFgaRequest, ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { validateOneUser } from '../tuple/validate-tuple';
import { prepareTemplate } from './object-template';
import { TemplateResolutionError } from './template-resolution.error';

/**
 * The default identity: `user:<req.user.id>` (`id` may be an accessor: a class instance, a Mongoose
 * document), with the id held to the same rules as any placeholder value.
 */
const DEFAULT_USER = prepareTemplate('user:{user.id}', 'user', ['user']);

/**
 * The user a request acts as: the `resolveUser` option when set, else
 * `user:<req.user.id>`. `undefined` means "nobody" (the HTTP layer answers 401).
 * A value that is not one user throws `InvalidTupleError` (`resolveUser`: a
 * wildcard, a userset or a malformed user) or `TemplateResolutionError` (an id
 * with `*`, `#`, `:` or whitespace), which the HTTP layer answers with 401 too:
 * an account id such as `*` must never make the request act as everyone.
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
    return validateOneUser(value, 'resolveUser() result');
  }
  try {
    return await DEFAULT_USER.resolve({ request });
  } catch (err) {
    if (err instanceof TemplateResolutionError && err.reason === 'missing') return undefined;
    throw err;
  }
}
