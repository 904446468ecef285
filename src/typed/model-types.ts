/**
 * Type-level views of an authorization model, as `nestjs-openfga model types`
 * emits it: `{ document: { owner: 'user'; viewer: 'user' | 'user:*' | 'group#member' } }`
 * (each type's relations, each mapped to the user types a tuple may name directly;
 * `never` for a relation that is only computed). Nothing here exists at run time.
 */
import type { TupleCondition } from '../tuple/tuple';

/** The model's object types. */
export type ModelObjectType<M> = keyof M & string;

/** The relations of `T` (of every type when `T` is a union). */
export type ModelRelation<M, T extends ModelObjectType<M> = ModelObjectType<M>> = T extends unknown ? keyof M[T] & string : never;

/** An object of type `T`: `document:${string}`. */
export type ModelObject<M, T extends ModelObjectType<M> = ModelObjectType<M>> = `${T}:${string}`;

/** A tuple whose relation belongs to its object's type. */
export type ModelTuple<M, T extends ModelObjectType<M> = ModelObjectType<M>> = T extends unknown
  ? { user: string; relation: ModelRelation<M, T>; object: ModelObject<M, T> }
  : never;

/** A tuple to grant whose relation belongs to its object's type, with the condition it is subject to (ABAC), if any. */
export type ModelConditionalTuple<M, T extends ModelObjectType<M> = ModelObjectType<M>> = T extends unknown
  ? ModelTuple<M, T> & { condition?: TupleCondition }
  : never;
