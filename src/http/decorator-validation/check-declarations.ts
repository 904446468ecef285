import { literalNames } from './declared-names';
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
  return problems;
}

function list(names: readonly string[]): string {
  return names.length ? names.join(', ') : 'none';
}
