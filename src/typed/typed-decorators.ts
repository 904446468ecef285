import { Check, CheckDecoratorOptions } from '../http/check.decorator';
import { Grant } from '../http/grant.decorator';
import type { RequestTemplate, ResultTemplate } from '../http/object-template';
import { Revoke } from '../http/revoke.decorator';
import type { GrantDecoratorOptions, RecordDecoratorOptions } from '../http/tuple-record.decorator';
import type { ModelObject, ModelObjectType, ModelRelation } from './model-types';

/** A whole-value placeholder (`{body.object}`): its type is known only at run time. */
type WholePlaceholder = `{${string}}`;

/** An object template of type `T` (`document:{params.id}`), a whole placeholder, or a function. */
export type TypedObjectTemplate<T extends string, F> = `${T}:${string}` | WholePlaceholder | F;

/** The user template of a typed decorator: a user of a type of the model (`user:{params.id}`, `group:{params.team}#member`). */
type TypedUserTemplate<M, F> = ModelObject<M> | WholePlaceholder | F;

/**
 * `@Check`, `@Grant` and `@Revoke` typed by model `M`: the relation must be one
 * of the object's type, read from the template's literal type
 * (`'document:{params.id}'` → `document`). The same decorators at run time.
 */
export interface TypedDecorators<M> {
  Check<T extends ModelObjectType<M>>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<RequestTemplate, string>>,
    options?: Omit<CheckDecoratorOptions, 'user'> & { user?: TypedUserTemplate<M, Exclude<RequestTemplate, string>> },
  ): ClassDecorator & MethodDecorator;
  Grant<T extends ModelObjectType<M>, TResult = unknown>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<ResultTemplate<TResult>, string>>,
    options?: Omit<GrantDecoratorOptions<TResult>, 'user'> & { user?: TypedUserTemplate<M, Exclude<ResultTemplate<TResult>, string>> },
  ): ClassDecorator & MethodDecorator;
  Revoke<T extends ModelObjectType<M>, TResult = unknown>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<ResultTemplate<TResult>, string>>,
    options?: Omit<RecordDecoratorOptions<TResult>, 'user'> & { user?: TypedUserTemplate<M, Exclude<ResultTemplate<TResult>, string>> },
  ): ClassDecorator & MethodDecorator;
}

/**
 * The HTTP decorators typed by model `M` (the file `nestjs-openfga model types`
 * writes exports them bound to your model).
 *
 * @example
 * const { Check } = openFgaDecorators<OpenFgaModel>();
 * @Check('veiwer', 'document:{params.id}') // error: '"veiwer"' is not assignable to '"owner" | "parent" | "editor" | "viewer"'
 */
export function openFgaDecorators<M>(): TypedDecorators<M> {
  return { Check, Grant, Revoke } as unknown as TypedDecorators<M>;
}
