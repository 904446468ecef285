import type { DirectType } from '../../model/relation-graph';

/** What the validation reads of the authorization model (a `RelationGraph` offers it). */
export interface ModelNames {
  readonly modelId: string;
  typeNames(): string[];
  /** Undefined when the model has no such type. */
  relationsOf(type: string): string[] | undefined;
  /** `user`, `user:*`, `group#member`: the users a tuple of `type#relation` may name; empty when computed only. */
  directUserTypes(type: string, relation: string): string[];
  /** The same with each one's condition (`user with non_expired`); undefined when the type or relation is not in the model. */
  directlyRelated(type: string, relation: string): readonly DirectType[] | undefined;
  /** A condition of the model, by name (undefined: none of that name). */
  condition(name: string): object | undefined;
}
