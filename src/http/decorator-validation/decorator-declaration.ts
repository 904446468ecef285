import type { PreparedTemplate } from '../object-template';

/** One `@Check`, `@Grant` or `@Revoke` found on a controller, resolver or route. */
export interface DecoratorDeclaration {
  /** `DocumentsController.show`, or `DocumentsController` for a class-level decorator. */
  where: string;
  decorator: '@Check' | '@Grant' | '@Revoke';
  relation: string;
  object: PreparedTemplate;
  /** The user template that overrides the request's user, if any. */
  user?: PreparedTemplate;
  /** `@Grant` only: the name of its fixed condition, or `computed` for one computed per request. */
  condition?: { name: string } | 'computed';
  /** The connection it names (`{ connection }`); unset: the default one. */
  connection?: string;
}
