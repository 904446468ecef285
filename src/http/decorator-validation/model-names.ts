/** What the validation reads of the authorization model (a `RelationGraph` offers it). */
export interface ModelNames {
  readonly modelId: string;
  typeNames(): string[];
  /** Undefined when the model has no such type. */
  relationsOf(type: string): string[] | undefined;
  /** `user`, `user:*`, `group#member`: the users a tuple of `type#relation` may name; empty when computed only. */
  directUserTypes(type: string, relation: string): string[];
}
