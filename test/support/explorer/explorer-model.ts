/**
 * The models the read explorer runs on: seeded random models (random-model.ts)
 * that OpenFGA accepts and that each hold every rewrite kind, usersets,
 * wildcards, a relation taking both a plain and a conditional grant of the
 * same user (so a re-grant can narrow access) and a relation whose reads
 * follow tupleset links only (so reads narrow to their path), with their universe of tuples
 * and checks (model-universe.ts).
 */
import type { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { ConditionalTuple, Tuple } from '../../../src';
import { type AuthorizationModelDocument, RelationGraph } from '../../../src/model';
import { CONDITION, randomModelDsl, seededRandom } from '../inputs/random-model';
import { modelUniverse } from '../inputs/model-universe';
import { sdkClient } from '../harness/sdk';

/** How a grant is written: unconditionally, or with the model's condition holding or not. */
export type GrantForm = 'plain' | 'true' | 'false';

/** A tuple of the universe and the forms of grant the model accepts for it. */
export interface UniverseTuple extends Tuple {
  plain: boolean;
  conditional: boolean;
}

export interface ExplorerModel {
  dsl: string;
  document: AuthorizationModelDocument;
  tuples: UniverseTuple[];
  checks: Tuple[];
}

/** Everything a model of the pool holds (checked on the model, so each sequence can reach every kind). */
export const REQUIRED_KINDS = [
  'direct',
  'computedUserset',
  'tupleToUserset',
  'union',
  'intersection',
  'difference',
  'userset type',
  'wildcard type',
  'conditional type',
  'narrowable',
  'tupleset path',
] as const;

const IDS = ['1', '2'];
export const USERS = ['user:1', 'user:2'];
type WriteModelBody = Parameters<OpenFgaClient['writeAuthorizationModel']>[0];

/** The kinds of `REQUIRED_KINDS` a model holds. */
export function kindsOf(document: AuthorizationModelDocument): Set<string> {
  const kinds = new Set<string>();
  const json = JSON.stringify(document.type_definitions);
  for (const kind of ['computedUserset', 'tupleToUserset', 'union', 'intersection', 'difference']) {
    if (json.includes(`"${kind}"`)) kinds.add(kind);
  }
  if (json.includes('"this"')) kinds.add('direct');
  for (const definition of document.type_definitions) {
    for (const meta of Object.values(definition.metadata?.relations ?? {})) {
      const refs = meta.directly_related_user_types ?? [];
      for (const ref of refs) {
        if (ref.relation) kinds.add('userset type');
        else if (ref.wildcard) kinds.add('wildcard type');
        else if (ref.condition) kinds.add('conditional type');
      }
      const plainUser = refs.some((r) => r.type === 'user' && !r.relation && !r.wildcard && !r.condition);
      const conditionalUser = refs.some((r) => r.type === 'user' && !r.relation && !r.wildcard && r.condition);
      if (plainUser && conditionalUser) kinds.add('narrowable');
    }
  }
  // A relation whose reads may be narrowed to the objects on their path (src/read/path-reach.ts).
  const graph = RelationGraph.compile({ ...document, id: 'kinds' });
  for (const definition of document.type_definitions) {
    for (const relation of Object.keys(definition.relations ?? {})) {
      const deps = graph.dependencies(definition.type, relation);
      if (deps?.tuplesets && deps.spread.size > 0) kinds.add('tupleset path');
    }
  }
  return kinds;
}

/** The universe's tuples, each once, with the forms of grant its relation accepts. */
export function universeOf(document: AuthorizationModelDocument): { tuples: UniverseTuple[]; checks: Tuple[] } {
  const { tuples, checks } = modelUniverse(document, IDS, USERS);
  const byKey = new Map<string, UniverseTuple>();
  for (const t of tuples) {
    const key = `${t.user} ${t.relation} ${t.object}`;
    if (byKey.has(key)) continue;
    const [userType, userRelation] = t.user.replace(/:[^#]*/, '').split('#');
    const wildcard = t.user.endsWith(':*');
    const refs =
      document.type_definitions.find((d) => d.type === t.object.split(':')[0])?.metadata?.relations?.[t.relation]
        ?.directly_related_user_types ?? [];
    const matching = refs.filter((r) => r.type === userType && (r.relation || undefined) === userRelation && !!r.wildcard === wildcard);
    byKey.set(key, { ...t, plain: matching.some((r) => !r.condition), conditional: matching.some((r) => !!r.condition) });
  }
  return { tuples: [...byKey.values()], checks };
}

/** The tuple written for `form`, falling back to a form the model accepts. */
export function grantOf(t: UniverseTuple, form: GrantForm): ConditionalTuple {
  const { user, relation, object } = t;
  const conditional = form === 'plain' ? !t.plain : t.conditional;
  if (!conditional) return { user, relation, object };
  return { user, relation, object, condition: { name: CONDITION, context: { flag: form !== 'false' } } };
}

/**
 * `count` models drawn from `seed` that OpenFGA accepts and that hold every kind of `REQUIRED_KINDS`
 * (OpenFGA refuses some random shapes: no entry point, cycles through `and`/`but not`).
 */
export async function modelPool(apiUrl: string, seed: number, count: number): Promise<ExplorerModel[]> {
  const random = seededRandom(seed);
  const { id: storeId } = await sdkClient({ apiUrl }).createStore({ name: 'explorer-models' });
  const client = sdkClient({ apiUrl, storeId });
  const pool: ExplorerModel[] = [];
  for (let drawn = 0; pool.length < count; drawn++) {
    if (drawn >= 2000) throw new Error(`only ${pool.length} of ${count} random models held every kind after ${drawn} draws`);
    const dsl = randomModelDsl(random);
    const document = transformer.transformDSLToJSONObject(dsl) as unknown as AuthorizationModelDocument;
    const kinds = kindsOf(document);
    if (!REQUIRED_KINDS.every((k) => kinds.has(k))) continue;
    try {
      await client.writeAuthorizationModel(document as unknown as WriteModelBody);
    } catch {
      continue;
    }
    pool.push({ dsl, document, ...universeOf(document) });
  }
  return pool;
}
