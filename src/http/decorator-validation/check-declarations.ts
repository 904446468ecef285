import { literalNames, type LiteralNames } from './declared-names';
import type { DecoratorDeclaration } from './decorator-declaration';
import type { ModelNames } from './model-names';

/**
 * The problems of each declaration against the model, one line each, e.g.
 * `DocumentsController.show: @Check relation "veiwer" is not a relation of type "document" (document has: owner, viewer)`.
 * Only literal names are checked; function templates and whole placeholders are known at run time only.
 */
export function checkDeclarations(declarations: readonly DecoratorDeclaration[], model: ModelNames): string[] {
  return declarations.flatMap((d) => problemsOf(d, model));
}

function problemsOf(d: DecoratorDeclaration, model: ModelNames): string[] {
  const problems: string[] = [];
  const at = `${d.where}: ${d.decorator}`;
  const object = literalNames(d.object);
  if (object) {
    const relations = model.relationsOf(object.type);
    if (!relations) {
      problems.push(
        `${at} object "${d.object.text}" names type "${object.type}", which is not in the authorization model (types: ${list(model.typeNames())})`,
      );
    } else if (!relations.includes(d.relation)) {
      problems.push(`${at} relation "${d.relation}" is not a relation of type "${object.type}" (${object.type} has: ${list(relations)})`);
    } else if (d.decorator !== '@Check' && model.directUserTypes(object.type, d.relation).length === 0) {
      problems.push(
        `${at} relation "${d.relation}" of type "${object.type}" takes no direct tuples (it is computed only), so it cannot be written`,
      );
    }
  }
  const user = d.user ? literalNames(d.user) : undefined;
  if (d.user && user) {
    const relations = model.relationsOf(user.type);
    if (!relations) {
      problems.push(
        `${at} user "${d.user.text}" names type "${user.type}", which is not in the authorization model (types: ${list(model.typeNames())})`,
      );
    } else if (user.relation !== undefined && !relations.includes(user.relation)) {
      problems.push(
        `${at} user "${d.user.text}": "${user.relation}" is not a relation of type "${user.type}" (${user.type} has: ${list(relations)})`,
      );
    } else if (d.decorator !== '@Check' && object && model.relationsOf(object.type)?.includes(d.relation)) {
      const form = user.relation !== undefined ? `${user.type}#${user.relation}` : user.wildcard ? `${user.type}:*` : user.type;
      const direct = model.directUserTypes(object.type, d.relation);
      if (direct.length > 0 && !direct.includes(form)) {
        problems.push(
          `${at} user "${d.user.text}" (${form}) cannot be written to ${object.type}#${d.relation}, which takes: ${list(direct)}`,
        );
      }
    }
  }
  const condition =
    object && model.relationsOf(object.type)?.includes(d.relation) ? conditionProblem(d, object.type, user, model) : undefined;
  if (condition) problems.push(`${at} ${condition}`);
  return problems;
}

/**
 * A `@Grant`'s condition against the relation's directly related types, as OpenFGA checks a written
 * tuple's: a fixed condition the model declares and the relation takes (for the literal user type, when
 * there is one), and none missing where the relation takes the user only with one. A condition computed
 * per request is checked at run time.
 */
function conditionProblem(d: DecoratorDeclaration, type: string, user: LiteralNames | undefined, model: ModelNames): string | undefined {
  if (d.decorator !== '@Grant' || d.condition === 'computed') return undefined;
  const direct = model.directlyRelated(type, d.relation) ?? [];
  if (direct.length === 0) return undefined; // reported above: computed only
  // With a literal user, only the types that admit it; with the request's user, any.
  const candidates = user
    ? direct.filter(
        (ref) => ref.type === user.type && (ref.relation || undefined) === user.relation && (ref.wildcard !== undefined) === user.wildcard,
      )
    : direct;
  if (candidates.length === 0) return undefined; // reported above: the user type is not admitted
  const pair = `${type}#${d.relation}`;
  const whom = user ? `user "${d.user!.text}"` : 'any user';
  if (d.condition === undefined) {
    if (candidates.some((ref) => !ref.condition)) return undefined;
    const names = [...new Set(candidates.map((ref) => ref.condition))].join(' or ');
    return `has no condition, but ${pair} takes ${whom} only with one (${names})`;
  }
  const name = d.condition.name;
  if (!model.condition(name)) return `condition "${name}" is not a condition of the authorization model`;
  if (candidates.some((ref) => ref.condition === name)) return undefined;
  const taken = [...new Set(candidates.map((ref) => ref.condition || 'none'))].join(', ');
  return `condition "${name}" is not one ${pair} takes for ${whom} (it takes: ${taken})`;
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}
