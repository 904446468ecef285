import { Check, CheckDecoratorOptions } from '../http/check.decorator';
import { declaredConnection } from '../http/declared-connection';
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

/** A decorator's options, typed by model `M`: the connection is the typed decorators' own (the model is that connection's). */
type TypedOptions<O, M, F> = Omit<O, 'user' | 'connection'> & { user?: TypedUserTemplate<M, F> };

/**
 * `@Check`, `@Grant` and `@Revoke` typed by model `M`: the relation must be one
 * of the object's type, read from the template's literal type
 * (`'document:{params.id}'` → `document`). The same decorators at run time, on
 * the connection `openFgaDecorators` was given (so a relation of one store's
 * model does not compile against another's).
 */
export interface TypedDecorators<M> {
  Check<T extends ModelObjectType<M>>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<RequestTemplate, string>>,
    options?: TypedOptions<CheckDecoratorOptions, M, Exclude<RequestTemplate, string>>,
  ): ClassDecorator & MethodDecorator;
  Grant<T extends ModelObjectType<M>, TResult = unknown>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<ResultTemplate<TResult>, string>>,
    options?: TypedOptions<GrantDecoratorOptions<TResult>, M, Exclude<ResultTemplate<TResult>, string>>,
  ): ClassDecorator & MethodDecorator;
  Revoke<T extends ModelObjectType<M>, TResult = unknown>(
    relation: ModelRelation<M, T>,
    object: TypedObjectTemplate<T, Exclude<ResultTemplate<TResult>, string>>,
    options?: TypedOptions<RecordDecoratorOptions<TResult>, M, Exclude<ResultTemplate<TResult>, string>>,
  ): ClassDecorator & MethodDecorator;
}

/**
 * The HTTP decorators typed by model `M`, on `connection` (the default one
 * without it). The file `nestjs-openfga model types` writes exports them bound
 * to your model, on the default connection; bind another connection's model yourself.
 *
 * @example
 * const { Check } = openFgaDecorators<OpenFgaModel>();
 * @Check('veiwer', 'document:{params.id}') // error: '"veiwer"' is not assignable to '"owner" | "parent" | "editor" | "viewer"'
 *
 * @example
 * // The store of OpenFgaModule.forRoot({ name: 'billing' }), typed by its own model.
 * export const Billing = openFgaDecorators<BillingModel>('billing');
 * @Billing.Check('viewer', 'invoice:{params.id}')
 */
export function openFgaDecorators<M>(connection?: string): TypedDecorators<M> {
  const bound = declaredConnection('openFgaDecorators', connection);
  if (bound === undefined) return { Check, Grant, Revoke } as unknown as TypedDecorators<M>;
  const on = <O extends object>(options: O | undefined) => ({ ...options, connection: bound });
  return {
    Check: (relation: string, object: RequestTemplate, options?: CheckDecoratorOptions) => Check(relation, object, on(options)),
    Grant: (relation: string, object: ResultTemplate, options?: GrantDecoratorOptions) => Grant(relation, object, on(options)),
    Revoke: (relation: string, object: ResultTemplate, options?: RecordDecoratorOptions) => Revoke(relation, object, on(options)),
  } as unknown as TypedDecorators<M>;
}
