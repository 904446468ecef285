/** A small universe over any authorization model: the tuples it accepts and the checks to ask, for tests against OpenFGA. */
import type { Tuple } from '../../../src';
import type { AuthorizationModelDocument } from '../../../src/model';

/**
 * Every tuple the model accepts over `ids` per type (a wildcard once per relation), leaving out a userset
 * on its own object (OpenFGA refuses it as implied), and every check of `users` on every relation and object.
 */
export function modelUniverse(
  model: Pick<AuthorizationModelDocument, 'type_definitions'>,
  ids: readonly string[] = ['1', '2'],
  users: readonly string[] = ['user:1', 'user:2'],
): { tuples: Tuple[]; checks: Tuple[] } {
  const tuples: Tuple[] = [];
  const checks: Tuple[] = [];
  for (const def of model.type_definitions) {
    for (const relation of Object.keys(def.relations ?? {})) {
      for (const id of ids) for (const user of users) checks.push({ user, relation, object: `${def.type}:${id}` });
      for (const ref of def.metadata?.relations?.[relation]?.directly_related_user_types ?? []) {
        const written = ref.wildcard ? [`${ref.type}:*`] : ids.map((i) => `${ref.type}:${i}${ref.relation ? `#${ref.relation}` : ''}`);
        for (const user of written) {
          for (const id of ids)
            if (user.split('#')[0] !== `${def.type}:${id}`) tuples.push({ user, relation, object: `${def.type}:${id}` });
        }
      }
    }
  }
  return { tuples, checks };
}
