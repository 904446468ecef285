import type { CheckOptions, ConsistencyToken, OpenFgaService } from '../openfga.service';
import type { GrantOptions } from '../tuple/grant-options';
import type { ModelConditionalTuple, ModelObject, ModelObjectType, ModelRelation, ModelTuple } from './model-types';

/** The methods whose relation and object the model types. */
type TypedMethods = 'check' | 'grant' | 'revoke' | 'grantMany' | 'revokeMany';

/**
 * `OpenFgaService` whose relations and object types are checked against model
 * `M` at compile time: a relation the object's type lacks does not compile.
 * The same object at run time (see {@link typedOpenFga}).
 *
 * @example
 * constructor(@Inject(OpenFgaService) private readonly fga: TypedOpenFgaService<OpenFgaModel>) {}
 * await this.fga.grant('user:anne', 'veiwer', 'document:1'); // error: '"veiwer"' is not assignable to '"owner" | ... | "viewer"'
 */
export type TypedOpenFgaService<M> = Omit<OpenFgaService, TypedMethods> & {
  check<T extends ModelObjectType<M>>(
    user: string,
    relation: ModelRelation<M, T>,
    object: ModelObject<M, T>,
    options?: CheckOptions,
  ): Promise<boolean>;
  grant<T extends ModelObjectType<M>>(
    user: string,
    relation: ModelRelation<M, T>,
    object: ModelObject<M, T>,
    options?: GrantOptions,
  ): Promise<ConsistencyToken>;
  revoke<T extends ModelObjectType<M>>(user: string, relation: ModelRelation<M, T>, object: ModelObject<M, T>): Promise<ConsistencyToken>;
  grantMany(tuples: readonly ModelConditionalTuple<M>[]): Promise<ConsistencyToken>;
  revokeMany(tuples: readonly ModelTuple<M>[]): Promise<ConsistencyToken>;
};

/**
 * The service typed by model `M`: the same instance, so untyped callers and
 * typed ones share one buffer and cache. Takes the testing fake too.
 *
 * @example
 * const fga = typedOpenFga<OpenFgaModel>(app.get(OpenFgaService));
 */
export function typedOpenFga<M>(service: Pick<OpenFgaService, TypedMethods>): TypedOpenFgaService<M> {
  return service as unknown as TypedOpenFgaService<M>;
}
