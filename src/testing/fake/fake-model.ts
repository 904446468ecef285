import { CheckUnavailableError } from '../../check/check-unavailable.error';
import { conditionHolds, ConditionNotEvaluable } from './fake-conditions';
import { checkContextValue } from '../../model/condition-context';
import type { ConditionalTuple, Tuple } from '../../tuple/tuple';

/** A relation's rewrite, as in OpenFGA's JSON authorization model. */
export interface FakeUserset {
  this?: object;
  computedUserset?: { relation?: string };
  tupleToUserset?: { tupleset: { relation?: string }; computedUserset: { relation?: string } };
  union?: { child: FakeUserset[] };
  intersection?: { child: FakeUserset[] };
  difference?: { base: FakeUserset; subtract: FakeUserset };
}

/** A user type a relation accepts directly: `user`, `user:*` (wildcard) or `group#member` (relation). */
export interface FakeRelationReference {
  type: string;
  relation?: string;
  wildcard?: object;
  /** `user with <condition>`: such tuples must carry that condition. */
  condition?: string;
}

/** A condition parameter's type in OpenFGA's JSON form, e.g. `{ type_name: 'TYPE_NAME_LIST', generic_types: [{ type_name: 'TYPE_NAME_STRING' }] }`. */
export interface FakeConditionParameterType {
  type_name?: string;
  generic_types?: readonly FakeConditionParameterType[] | null;
}

/**
 * An authorization model in OpenFGA's JSON form (what `fga model transform`
 * or `@openfga/syntax-transformer` produce from the DSL, and what
 * `writeAuthorizationModel` takes). Conditions are checked on writes and
 * evaluated on checks (with CEL, see FakeModel).
 */
export interface FakeAuthorizationModel {
  schema_version?: string;
  conditions?: Record<
    string,
    { name?: string; expression?: string; parameters?: Record<string, FakeConditionParameterType> | null }
  > | null;
  type_definitions: readonly {
    type: string;
    relations?: Record<string, FakeUserset>;
    metadata?: { relations?: Record<string, { directly_related_user_types?: readonly FakeRelationReference[] }> | null } | null;
  }[];
}

/** Tuples the model is evaluated over (written and pending, as OpenFGA sees them with contextual tuples). */
export type TupleSource = (object: string, relation: string) => Iterable<ConditionalTuple>;

/** OpenFGA's resolution depth limit; deeper recursion answers "denied" here instead of an error. */
const MAX_DEPTH = 25;

/**
 * Evaluates checks and validates written tuples the way OpenFGA does, so the
 * fake answers derived relations (editor ⇒ viewer, groups, parent folders,
 * `user:*`, `but not`) as the real service. Conditions are evaluated with CEL
 * as OpenFGA evaluates them (the optional peer @bufbuild/cel, see
 * fake-conditions.ts); a condition OpenFGA cannot evaluate (a missing
 * parameter, a value of another type, an evaluation error) fails the check
 * closed with CheckUnavailableError, as OpenFGA fails it (treating the tuple
 * as absent could grant access through a `but not`).
 */
export class FakeModel {
  constructor(private readonly model: FakeAuthorizationModel) {}

  /** Why OpenFGA rejects writing this tuple (its message), or undefined when it accepts it. */
  rejectWrite(t: ConditionalTuple): string | undefined {
    const why = this.relationError(t) ?? this.restrictionError(t);
    if (why !== undefined) return `Invalid tuple '${t.object}#${t.relation}@${t.user}'. Reason: ${why}`;
    const unreadable = this.contextError(t);
    // OpenFGA names the condition in the tuple it refuses for its context.
    return unreadable === undefined
      ? undefined
      : `Invalid tuple '${t.object}#${t.relation}@${t.user} (condition ${t.condition?.name})'. Reason: ${unreadable}`;
  }

  /**
   * Why OpenFGA's Write refuses the context of a conditional tuple: it converts each value to its parameter's
   * declared type (a timestamp that is not RFC 3339, a duration Go cannot parse, a list item of another type),
   * as a check would; the call only checked the JSON type.
   */
  private contextError({ condition }: ConditionalTuple): string | undefined {
    const params = condition && this.model.conditions?.[condition.name]?.parameters;
    if (!params) return undefined;
    for (const [key, value] of Object.entries(condition.context ?? {})) {
      const type = params[key];
      if (!type) continue;
      try {
        checkContextValue(value, type);
      } catch (err) {
        if (!(err instanceof ConditionNotEvaluable)) throw err;
        return `parameter type error on condition '${condition.name}' - failed to convert context parameter '${key}': ${err.message}`;
      }
    }
    return undefined;
  }

  /** Why OpenFGA refuses to answer this check (unknown type or relation), or undefined. */
  rejectCheck(t: Tuple): string | undefined {
    const why = this.relationError(t);
    return why === undefined ? undefined : `Error invalid relation: ${why}`;
  }

  /** Why OpenFGA refuses a listUsers filter (`type`, or `type#relation`) this model lacks, or undefined. */
  rejectFilter(type: string, relation?: string): string | undefined {
    const def = this.model.type_definitions.find((d) => d.type === type);
    if (!def) return `type '${type}' not found`;
    if (relation !== undefined && !def.relations?.[relation]) return `relation '${type}#${relation}' not found`;
    return undefined;
  }

  /** Whether `t.user` has `t.relation` on `t.object` given the tuples of `source`. */
  check(t: Tuple, source: TupleSource, context: Record<string, unknown> = {}): boolean {
    // A conditional tuple counts while its condition holds; one that cannot be evaluated fails the check closed.
    const holding: TupleSource = (object, relation) =>
      [...source(object, relation)].filter((x) => {
        if (!x.condition) return true;
        // As OpenFGA, a condition is evaluated only on a tuple the check reaches: another user of the checked user's type
        // can only grant that user, so its tuple is left out unevaluated (a share with carol never fails anne's check).
        if (x.user !== t.user && isPlainUserOfType(x.user, typeOf(t.user))) return false;
        const declared = this.model.conditions?.[x.condition.name];
        try {
          if (!declared?.expression) throw new ConditionNotEvaluable('the model has no expression for it');
          return conditionHolds(declared.expression, declared.parameters ?? {}, x.condition.context, context);
        } catch (err) {
          if (!(err instanceof ConditionNotEvaluable)) throw err;
          throw new CheckUnavailableError(
            t,
            `failed to evaluate relationship condition '${x.condition.name}' of ${x.object}#${x.relation}@${x.user}: ${err.message}`,
          );
        }
      });
    return this.has(t.user, t.relation, t.object, holding, 0);
  }

  private relationError({ relation, object }: Tuple): string | undefined {
    const type = typeOf(object);
    const def = this.model.type_definitions.find((d) => d.type === type);
    if (!def) return `type '${type}' not found`;
    if (!def.relations?.[relation]) return `relation '${type}#${relation}' not found`;
    return undefined;
  }

  private restrictionError({ user, relation, object, condition }: ConditionalTuple): string | undefined {
    const target = `${typeOf(object)}#${relation}`;
    if (condition && !this.model.conditions?.[condition.name]) return 'undefined condition';
    const params = condition && this.model.conditions?.[condition.name]?.parameters;
    const unknown = params && Object.keys(condition.context ?? {}).find((k) => !(k in params));
    if (unknown !== undefined) return `found invalid context parameter: ${unknown}`;
    // A tuple matches a type restriction only with the same condition (or both none).
    const allowed = this.directTypes(typeOf(object), relation).filter((r) => (r.condition ?? undefined) === condition?.name);
    if (condition && allowed.length === 0) return 'invalid condition for type restriction';
    const [subject, userRelation] = user.split('#');
    const userType = typeOf(subject);
    if (subject.endsWith(':*')) {
      if (allowed.some((r) => r.type === userType && r.wildcard)) return undefined;
      return `the typed wildcard '${user}' is not an allowed type restriction for '${target}'`;
    }
    if (allowed.some((r) => r.type === userType && r.relation === userRelation && !r.wildcard)) return undefined;
    const shown = userRelation === undefined ? userType : `${userType}#${userRelation}`;
    return `type '${shown}' is not an allowed type restriction for '${target}'`;
  }

  private directTypes(type: string, relation: string): readonly FakeRelationReference[] {
    const def = this.model.type_definitions.find((d) => d.type === type);
    return def?.metadata?.relations?.[relation]?.directly_related_user_types ?? [];
  }

  private has(user: string, relation: string, object: string, source: TupleSource, depth: number): boolean {
    // As OpenFGA (at every step of the resolution): a userset always has its own relation on its own object.
    if (user === `${object}#${relation}`) return true;
    if (depth > MAX_DEPTH) return false;
    const rewrite = this.model.type_definitions.find((d) => d.type === typeOf(object))?.relations?.[relation];
    return rewrite !== undefined && this.resolve(rewrite, user, relation, object, source, depth + 1);
  }

  private resolve(u: FakeUserset, user: string, relation: string, object: string, source: TupleSource, depth: number): boolean {
    if (u.this) return this.direct(user, relation, object, source, depth);
    if (u.computedUserset) return this.has(user, u.computedUserset.relation ?? '', object, source, depth);
    if (u.tupleToUserset) {
      const { tupleset, computedUserset } = u.tupleToUserset;
      return [...source(object, tupleset.relation ?? '')].some((parent) =>
        this.has(user, computedUserset.relation ?? '', parent.user, source, depth),
      );
    }
    if (u.union) return u.union.child.some((c) => this.resolve(c, user, relation, object, source, depth));
    if (u.intersection) return u.intersection.child.every((c) => this.resolve(c, user, relation, object, source, depth));
    if (u.difference) {
      const { base, subtract } = u.difference;
      return this.resolve(base, user, relation, object, source, depth) && !this.resolve(subtract, user, relation, object, source, depth);
    }
    return false;
  }

  /** Directly assigned: the user itself, its type's wildcard, or a userset the user belongs to. */
  private direct(user: string, relation: string, object: string, source: TupleSource, depth: number): boolean {
    for (const t of source(object, relation)) {
      if (t.user === user) return true;
      if (t.user === `${typeOf(user)}:*` && !user.includes('#')) return true;
      const [subject, via] = t.user.split('#');
      if (via !== undefined && this.has(user, via, subject, source, depth)) return true;
    }
    return false;
  }
}

function typeOf(objectOrUser: string): string {
  return objectOrUser.slice(0, objectOrUser.indexOf(':'));
}

/** `type:id` of the given type (not a userset, not a wildcard). */
function isPlainUserOfType(user: string, type: string): boolean {
  return typeOf(user) === type && !user.includes('#') && !user.endsWith(':*');
}
