/**
 * Seeded random OpenFGA models (DSL) and the tuples they accept, for checking
 * the relation graph against OpenFGA itself. Three object types, each with a
 * direct `parent` (group → group and folder → folder recurse) and relations
 * a..d: `a` is direct only; b..d mix direct types (plain, wildcard, userset,
 * conditional), computed usersets, tuple-to-userset, or/and/but not.
 */

export { seededRandom } from '../reliability/scale';

export const OBJECTS: Readonly<Record<string, readonly string[]>> = {
  group: ['group:g0', 'group:g1'],
  folder: ['folder:f0', 'folder:f1', 'folder:f2'],
  doc: ['doc:d0', 'doc:d1'],
};
const PARENT: Readonly<Record<string, string>> = { group: 'group', folder: 'folder', doc: 'folder' };
const RELATIONS = ['a', 'b', 'c', 'd'];
const DIRECT = ['user', 'user:*', 'user with flag_set', 'group#a', 'group#b', 'folder#a'];
export const CONDITION = 'flag_set';

/** Plain users, the public wildcard and userset users: what checks ask about. */
export const CHECK_USERS = ['user:u0', 'user:u1', 'user:*', 'group:g0#a', 'folder:f0#b'];

export function randomModelDsl(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const directTypes = () => {
    const chosen = DIRECT.filter(() => random() < 0.35);
    return `[${(chosen.length ? chosen : [pick(DIRECT)]).join(', ')}]`;
  };
  const lines = ['model', '  schema 1.1', 'type user'];
  for (const type of Object.keys(OBJECTS)) {
    lines.push(`type ${type}`, '  relations', `    define parent: [${PARENT[type]}]`, `    define a: ${directTypes()}`);
    RELATIONS.slice(1).forEach((relation, i) => {
      // Computed usersets point to earlier relations only (a computed cycle has no entry point); hops may recurse.
      const term = () => (random() < 0.5 ? pick(RELATIONS.slice(0, i + 1)) : `${pick(RELATIONS)} from parent`);
      const first = random() < 0.6 ? directTypes() : term();
      const shape = pick(['or', 'and', 'but not', 'or-and', 'or-but-not'] as const);
      const rewrite =
        shape === 'or-and'
          ? `${first} or (${term()} and ${term()})`
          : shape === 'or-but-not'
            ? `(${first} or ${term()}) but not ${term()}`
            : `${first} ${shape} ${term()}`;
      lines.push(`    define ${relation}: ${rewrite}`);
    });
  }
  lines.push(`condition ${CONDITION}(flag: bool) {`, '  flag', '}');
  return lines.join('\n') + '\n';
}

export interface CandidateTuple {
  key: string;
  user: string;
  relation: string;
  object: string;
  condition?: { name: string; context: { flag: boolean } };
}

interface DirectType {
  type: string;
  relation?: string;
  wildcard?: object;
  condition?: string;
}

/** Every tuple the model accepts over the fixed objects and users, one form (conditional or not) per key. */
export function candidateTuples(
  typeDefinitions: readonly {
    type: string;
    metadata?: { relations?: Record<string, { directly_related_user_types?: readonly DirectType[] }> | null } | null;
  }[],
  random: () => number,
): CandidateTuple[] {
  const byKey = new Map<string, CandidateTuple>();
  for (const definition of typeDefinitions) {
    for (const [relation, meta] of Object.entries(definition.metadata?.relations ?? {})) {
      for (const ref of meta.directly_related_user_types ?? []) {
        const users = ref.wildcard
          ? [`${ref.type}:*`]
          : ref.relation
            ? (OBJECTS[ref.type] ?? []).map((o) => `${o}#${ref.relation}`)
            : ref.type === 'user'
              ? ['user:u0', 'user:u1']
              : (OBJECTS[ref.type] ?? []);
        for (const object of OBJECTS[definition.type] ?? []) {
          for (const user of users) {
            const key = `${user}|${relation}|${object}`;
            // OpenFGA refuses `folder:f1#a@folder:f1#a`: it is implied.
            if (user === `${object}#${relation}` || (byKey.has(key) && random() < 0.5)) continue;
            const condition = ref.condition ? { name: ref.condition, context: { flag: random() < 0.7 } } : undefined;
            byKey.set(key, { key, user, relation, object, ...(condition ? { condition } : {}) });
          }
        }
      }
    }
  }
  return [...byKey.values()];
}
