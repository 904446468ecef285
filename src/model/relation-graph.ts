import type { Tuple } from '../tuple/tuple';
import { InvalidModelError } from './invalid-model.error';
import type { ConditionParameterType } from './condition-context';

/** 'type#relation': the object type and relation of a tuple (a "pair"). */
export type RelationPair = string;

/** What the answers of one `type#relation` depend on, by how far a tuple's effect reaches. */
export interface RelationDependencies {
  /** Reached without a hop: a tuple there changes answers on its own object only. */
  local: ReadonlySet<RelationPair>;
  /**
   * Reached through a hop (a userset type, a tuple-to-userset) and read as a direct tuple: a tuple with a
   * plain user (`type:id`) changes answers of that user only; a wildcard or userset user reaches others.
   */
  byUser: ReadonlySet<RelationPair>;
  /** Reached through a hop as the tupleset of a tuple-to-userset: a tuple there may change anyone's answers on other objects. */
  spread: ReadonlySet<RelationPair>;
  /** Reached through an even number (0 included) of `but not` subtracted sides: a revoke may take access away. */
  positive: ReadonlySet<RelationPair>;
  /** Reached through an odd number: a grant may take access away, a revoke may give it. A pair can be in both. */
  negative: ReadonlySet<RelationPair>;
  /**
   * Some pair it reads accepts conditional tuples (a directly related type `with` a condition): an
   * answer may depend on the time or the request's context, so it is never cached.
   */
  conditional: boolean;
  /**
   * The tupleset relations a check follows from an object of each type (the edges of its
   * tuple-to-usersets), when only those lead to the objects of its `spread` pairs: the objects
   * whose spread tuples matter to a check are then the ones reached from its object along them.
   * Undefined when a userset type (group#member) may lead there too.
   */
  tuplesets?: ReadonlyMap<string, readonly string[]>;
}

/** A condition of the model: its parameters and their types (OpenFGA's TYPE_NAME_*). */
export interface ModelCondition {
  name: string;
  parameters: ReadonlyMap<string, string>;
  /** The parameters' whole types (a list's or a map's item type too), as OpenFGA converts a context with them. */
  parameterTypes: ReadonlyMap<string, ConditionParameterType>;
}

/** A directly related user type of a relation (`user`, `user:*`, `group#member`, `user with cond`). */
export interface DirectType {
  type: string;
  relation?: string;
  wildcard?: object;
  condition?: string;
}

/** The relations whose answers a write to a pair may change beyond the written tuple's own object and user. */
export interface AffectedRelations {
  /** Whatever the tuple's user (the pair is spread for them). */
  always: readonly RelationPair[];
  /** When the tuple's user is a wildcard or a userset (the pair is by-user for them). */
  sharedUser: readonly RelationPair[];
}

/** A rewrite in OpenFGA's JSON authorization model. */
export interface ModelUserset {
  this?: object;
  computedUserset?: { relation?: string };
  tupleToUserset?: { tupleset?: { relation?: string }; computedUserset?: { relation?: string } };
  union?: { child?: ModelUserset[] };
  intersection?: { child?: ModelUserset[] };
  difference?: { base?: ModelUserset; subtract?: ModelUserset };
}

/** OpenFGA's JSON authorization model, as ReadAuthorizationModel returns it (the fields the graph reads). */
export interface AuthorizationModelDocument {
  id: string;
  /** Conditions by name, with their typed parameters (models of schema 1.1 with conditions). */
  conditions?: Record<string, { name?: string; parameters?: Record<string, ConditionParameterType> | null }> | null;
  type_definitions: readonly {
    type: string;
    relations?: Record<string, ModelUserset>;
    metadata?: {
      relations?: Record<
        string,
        { directly_related_user_types?: readonly { type: string; relation?: string; wildcard?: object; condition?: string }[] }
      > | null;
    } | null;
  }[];
}

interface Deps {
  local: Set<RelationPair>;
  byUser: Set<RelationPair>;
  spread: Set<RelationPair>;
  positive: Set<RelationPair>;
  negative: Set<RelationPair>;
  conditional: boolean;
  tuplesets?: Map<string, string[]>;
}

/** A hop of the walk: from an object of one type to objects of another, by a tupleset or a userset type. */
interface Hop {
  from: string;
  to: string;
  userset: boolean;
}

/**
 * The authorization model compiled into which tuples can change which
 * answers (docs/design.md §4). Built by walking each relation's rewrite with
 * two flags: whether a hop was taken (a userset type or a tuple-to-userset:
 * the tuple then sits on another object than the checked one) and the
 * polarity (inside an odd number of `but not` subtracted sides). Cycles
 * (`viewer from parent` on folders) end at a (relation, hop, polarity) seen before.
 */
export class RelationGraph {
  private readonly deps = new Map<RelationPair, RelationDependencies>();
  private readonly affected = new Map<RelationPair, AffectedRelations>();
  private readonly types: Map<string, AuthorizationModelDocument['type_definitions'][number]>;
  private readonly conditionsByName = new Map<string, ModelCondition>();
  private readonly granting = new Map<RelationPair, ReadonlyMap<RelationPair, ReadonlySet<string>>>();
  /** Every pair some tuple-to-userset of the model reads as its tupleset (its tuples' users are objects followed). */
  private readonly tuplesetPairs = new Set<RelationPair>();

  private constructor(
    readonly modelId: string,
    model: AuthorizationModelDocument,
  ) {
    this.types = new Map(model.type_definitions.map((def) => [def.type, def]));
    for (const [name, c] of Object.entries(model.conditions ?? {})) {
      const parameters = new Map(Object.entries(c?.parameters ?? {}).map(([p, t]) => [p, t?.type_name ?? '']));
      const parameterTypes = new Map(Object.entries(c?.parameters ?? {}).map(([p, t]) => [p, t ?? {}]));
      this.conditionsByName.set(name, { name, parameters, parameterTypes });
    }
    const tuplesets = (type: string, u: ModelUserset | undefined): void => {
      if (!u) return;
      if (u.tupleToUserset?.tupleset?.relation) this.tuplesetPairs.add(`${type}#${u.tupleToUserset.tupleset.relation}`);
      for (const child of [...(u.union?.child ?? []), ...(u.intersection?.child ?? []), u.difference?.base, u.difference?.subtract])
        tuplesets(type, child);
    };
    for (const def of model.type_definitions) for (const u of Object.values(def.relations ?? {})) tuplesets(def.type, u);
    for (const def of model.type_definitions) {
      for (const relation of Object.keys(def.relations ?? {})) this.deps.set(`${def.type}#${relation}`, this.walk(def.type, relation));
    }
    const always = new Map<RelationPair, RelationPair[]>();
    const sharedUser = new Map<RelationPair, RelationPair[]>();
    const add = (index: Map<RelationPair, RelationPair[]>, pair: RelationPair, target: RelationPair) => {
      const list = index.get(pair) ?? [];
      list.push(target);
      index.set(pair, list);
    };
    for (const [target, d] of this.deps) {
      for (const pair of d.spread) add(always, pair, target);
      for (const pair of d.byUser) add(sharedUser, pair, target);
    }
    for (const pair of this.deps.keys()) {
      this.affected.set(pair, { always: always.get(pair) ?? [], sharedUser: sharedUser.get(pair) ?? [] });
    }
  }

  /** Compiles a model as OpenFGA returns it; throws InvalidModelError naming what is malformed. */
  static compile(model: AuthorizationModelDocument): RelationGraph {
    validate(model);
    return new RelationGraph(model.id, model);
  }

  /** The model's type names, in the model's order. */
  typeNames(): string[] {
    return [...this.types.keys()];
  }

  /** The relations of `type`, in the model's order; undefined when the model has no such type. */
  relationsOf(type: string): string[] | undefined {
    const def = this.types.get(type);
    return def ? Object.keys(def.relations ?? {}) : undefined;
  }

  /** The user types a tuple of `type#relation` may name directly (`user`, `user:*`, `group#member`); empty when it has none. */
  directUserTypes(type: string, relation: string): string[] {
    return this.directTypes(type, relation).map((ref) =>
      ref.relation ? `${ref.type}#${ref.relation}` : ref.wildcard ? `${ref.type}:*` : ref.type,
    );
  }

  /** Undefined when the type or relation is not in the model. */
  dependencies(type: string, relation: string): RelationDependencies | undefined {
    return this.deps.get(`${type}#${relation}`);
  }

  /** Undefined when `pair` is not a relation of the model (a write there cannot be scoped). */
  affectedBeyond(pair: RelationPair): AffectedRelations | undefined {
    return this.affected.get(pair);
  }

  /** A condition the model declares, by name (undefined: none of that name). */
  condition(name: string): ModelCondition | undefined {
    return this.conditionsByName.get(name);
  }

  /** The user types a relation accepts directly (undefined: the type or relation is not in the model). */
  directlyRelated(type: string, relation: string): readonly DirectType[] | undefined {
    if (!this.definition(type)?.relations?.[relation]) return undefined;
    return this.directTypes(type, relation);
  }

  /**
   * The pairs whose direct tuple on its own grants `type#relation` on the same object, by user type:
   * reached from the relation through `or` and computed relations only (never an `and`, a `but
   * not` or a tuple-to-userset), read nowhere else by the relation (not through a hop, not on a
   * `but not` side) and no tupleset anywhere in the model, each with the user types it accepts
   * plainly (no wildcard, userset or condition). A plain grant there adds exactly its object to
   * its user's listObjects, and a plain tuple there changes no other user's list.
   */
  grantingPairs(type: string, relation: string): ReadonlyMap<RelationPair, ReadonlySet<string>> {
    const key = `${type}#${relation}`;
    let known = this.granting.get(key);
    if (!known) {
      const found = new Map<RelationPair, ReadonlySet<string>>();
      const deps = this.deps.get(key);
      const seen = new Set<string>();
      const visit = (r: string, u: ModelUserset | undefined): void => {
        if (!u) return;
        if (u.this) {
          const pair = `${type}#${r}`;
          const plain = this.directTypes(type, r).filter((ref) => !ref.relation && !ref.wildcard && !ref.condition);
          const readElsewhere =
            deps?.negative.has(pair) || deps?.byUser.has(pair) || deps?.spread.has(pair) || this.tuplesetPairs.has(pair);
          if (plain.length > 0 && !readElsewhere) found.set(pair, new Set(plain.map((ref) => ref.type)));
        }
        const computed = u.computedUserset?.relation;
        if (computed && !seen.has(computed)) {
          seen.add(computed);
          visit(computed, this.definition(type)?.relations?.[computed]);
        }
        for (const child of u.union?.child ?? []) visit(r, child);
      };
      seen.add(relation);
      if (deps) visit(relation, this.definition(type)?.relations?.[relation]);
      this.granting.set(key, found);
      known = found;
    }
    return known;
  }

  /** The pairs some relation reads by user (a check there looks up the ops of its own user). */
  byUserPairs(): RelationPair[] {
    return [...this.affected].filter(([, a]) => a.sharedUser.length > 0).map(([pair]) => pair);
  }

  private walk(type: string, relation: string): RelationDependencies {
    const d: Deps = {
      local: new Set(),
      byUser: new Set(),
      spread: new Set(),
      positive: new Set(),
      negative: new Set(),
      conditional: false,
      tuplesets: new Map(),
    };
    const hops: Hop[] = [];
    const conditionalTypes = (t: string, r: string) => this.directTypes(t, r).some((ref) => ref.condition);
    const seen = new Set<string>();
    const record = (pair: RelationPair, kind: 'local' | 'byUser' | 'spread', negative: boolean) => {
      d[kind].add(pair);
      (negative ? d.negative : d.positive).add(pair);
    };
    const visit = (t: string, r: string, hopped: boolean, negative: boolean) => {
      const key = `${t}#${r}|${hopped ? 1 : 0}|${negative ? 1 : 0}`;
      if (seen.has(key)) return;
      seen.add(key);
      const rewrite = this.definition(t)?.relations?.[r];
      if (rewrite) rewriteOf(t, r, rewrite, hopped, negative);
    };
    const rewriteOf = (t: string, r: string, u: ModelUserset, hopped: boolean, negative: boolean): void => {
      if (u.this) {
        record(`${t}#${r}`, hopped ? 'byUser' : 'local', negative);
        if (conditionalTypes(t, r)) d.conditional = true;
        // A userset type (group#member): the tuple names a group; its members are found on the group.
        for (const ref of this.directTypes(t, r)) {
          if (!ref.relation) continue;
          hops.push({ from: t, to: ref.type, userset: true });
          visit(ref.type, ref.relation, true, negative);
        }
      }
      if (u.computedUserset?.relation) visit(t, u.computedUserset.relation, hopped, negative);
      const ttu = u.tupleToUserset;
      if (ttu?.tupleset?.relation && ttu.computedUserset?.relation) {
        // The tupleset is read on the object being evaluated; the computed relation on the objects it names.
        record(`${t}#${ttu.tupleset.relation}`, hopped ? 'spread' : 'local', negative);
        const followed = d.tuplesets?.get(t) ?? [];
        if (!followed.includes(ttu.tupleset.relation)) d.tuplesets?.set(t, [...followed, ttu.tupleset.relation]);
        if (conditionalTypes(t, ttu.tupleset.relation)) d.conditional = true;
        for (const ref of this.directTypes(t, ttu.tupleset.relation)) {
          if (!this.definition(ref.type)?.relations?.[ttu.computedUserset.relation]) continue;
          hops.push({ from: t, to: ref.type, userset: false });
          visit(ref.type, ttu.computedUserset.relation, true, negative);
        }
      }
      for (const child of u.union?.child ?? []) rewriteOf(t, r, child, hopped, negative);
      for (const child of u.intersection?.child ?? []) rewriteOf(t, r, child, hopped, negative);
      if (u.difference?.base) rewriteOf(t, r, u.difference.base, hopped, negative);
      if (u.difference?.subtract) rewriteOf(t, r, u.difference.subtract, hopped, !negative);
    };
    visit(type, relation, false, false);
    const hosts = new Set([...d.spread].map((pair) => pair.slice(0, pair.indexOf('#'))));
    if (hops.some((hop) => hop.userset && leadsTo(hop.to, hops, hosts))) d.tuplesets = undefined;
    return d;
  }

  private definition(type: string) {
    return this.types.get(type);
  }

  private directTypes(type: string, relation: string): readonly DirectType[] {
    return this.definition(type)?.metadata?.relations?.[relation]?.directly_related_user_types ?? [];
  }
}

function validate(model: AuthorizationModelDocument): void {
  if (typeof model !== 'object' || model === null) throw new InvalidModelError('model', 'an object', model);
  if (typeof model.id !== 'string' || model.id === '') throw new InvalidModelError('id', 'the model id (a non-empty string)', model.id);
  if (!Array.isArray(model.type_definitions)) {
    throw new InvalidModelError('type_definitions', 'an array of type definitions', model.type_definitions);
  }
  model.type_definitions.forEach((def, i) => {
    if (typeof def?.type !== 'string' || def.type === '')
      throw new InvalidModelError(`type_definitions[${i}].type`, 'a type name', def?.type);
    if (def.relations !== undefined && (typeof def.relations !== 'object' || def.relations === null)) {
      throw new InvalidModelError(`type_definitions[${i}].relations`, 'an object of relation rewrites', def.relations);
    }
  });
}

/** Whether objects of `type` lead, by the walk's hops, to objects of one of the `hosts` types (their own included). */
function leadsTo(type: string, hops: readonly Hop[], hosts: ReadonlySet<string>): boolean {
  const seen = new Set([type]);
  const frontier = [type];
  while (frontier.length > 0) {
    const t = frontier.pop()!;
    if (hosts.has(t)) return true;
    for (const hop of hops) {
      if (hop.from !== t || seen.has(hop.to)) continue;
      seen.add(hop.to);
      frontier.push(hop.to);
    }
  }
  return false;
}

/** `type#relation` of a tuple: its object's type and its relation. */
export function pairOf(t: Tuple): RelationPair {
  return `${typeOf(t.object)}#${t.relation}`;
}

export function typeOf(object: string): string {
  const colon = object.indexOf(':');
  return colon < 0 ? object : object.slice(0, colon);
}

/** A `type:id` user, not a wildcard (`type:*`) nor a userset (`type:id#relation`): its tuples reach only its own answers. */
export function isPlainUser(user: string): boolean {
  return !user.includes('#') && !user.endsWith(':*');
}

/**
 * Whether an operation on `written` may change the answer of the check `checked`, whose relation has
 * the dependencies `deps`: what the read path reads (its index ranges) and what invalidation reaches.
 */
export function mayChange(deps: RelationDependencies, checked: Tuple, written: Tuple): boolean {
  const pair = pairOf(written);
  if (deps.spread.has(pair)) return true;
  if (deps.local.has(pair) && written.object === checked.object) return true;
  return deps.byUser.has(pair) && (written.user === checked.user || !isPlainUser(written.user));
}
