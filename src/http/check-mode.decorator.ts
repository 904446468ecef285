import { SetMetadata } from '@nestjs/common';
import { CHECK_MODE_METADATA } from './openfga-http.constants';

/** How several `@Check` of one class or route combine: `all` (the default) or `any`. */
export type CheckMode = 'all' | 'any';

/**
 * Makes one `@Check` of the route's list suffice (`any`) instead of all of
 * them. On a route it governs that route's own `@Check` list; on a class, the
 * class's list and the lists of routes that set no mode. The class's and the
 * route's lists are always both required, so a route can narrow access but
 * never widen what its controller demands.
 *
 * In `any` mode each check alone opens the route, so each must name the
 * object the route serves or a fixed one: a check on an object the caller
 * names (`folder:{query.folder}`) lets her name one of her own and pass.
 *
 * @example
 * @Put(':id')
 * @CheckMode('any')
 * @Check('editor', 'document:{params.id}')
 * @Check('admin', 'platform:main') // platform administrators may edit any document
 * update() {}
 */
export function CheckMode(mode: CheckMode): ClassDecorator & MethodDecorator {
  if (mode !== 'all' && mode !== 'any') throw new TypeError(`@CheckMode expects "all" or "any", got ${JSON.stringify(mode)}`);
  return SetMetadata(CHECK_MODE_METADATA, mode);
}
