/**
 * The relation graph against OpenFGA itself: for seeded random models, every
 * check answer a single write changes must be one the graph says that write
 * can reach (design of the invalidation: a write bumps its object, its user,
 * and the relations in affectedBeyond), and with the polarity it gives.
 */
import { ConsistencyPreference, OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { AuthorizationModelDocument } from '../../src/model';
import { RelationGraph } from '../../src/model';
import { serverEnv } from '../support/harness/env';
import { CandidateTuple, candidateTuples, CHECK_USERS, OBJECTS, randomModelDsl, seededRandom } from '../support/inputs/random-model';

const MODELS = 12;
const WRITES_PER_MODEL = 16;
const SEED = 20_260_101;

type Answer = 'allowed' | 'denied' | 'error';
interface Check {
  user: string;
  relation: string;
  object: string;
}
type WriteModelBody = Parameters<OpenFgaClient['writeAuthorizationModel']>[0];

const typeOf = (object: string) => object.slice(0, object.indexOf(':'));
/** `type:id`: neither a wildcard nor a userset. */
const isPlain = (user: string) => !user.includes('#') && !user.endsWith(':*');

async function answers(client: OpenFgaClient, modelId: string, checks: Check[]): Promise<Answer[]> {
  const { result } = await client.batchCheck(
    { checks: checks.map((check, i) => ({ ...check, correlationId: String(i) })) },
    { authorizationModelId: modelId, consistency: ConsistencyPreference.HigherConsistency, maxParallelRequests: 4 },
  );
  const byId = new Map(result.map((r) => [r.correlationId, r.error ? 'error' : r.allowed ? 'allowed' : 'denied'] as const));
  return checks.map((_, i) => byId.get(String(i)) ?? 'error');
}

async function apply(client: OpenFgaClient, modelId: string, write: CandidateTuple, grant: boolean): Promise<void> {
  const { user, relation, object, condition } = write;
  if (grant) await client.writeTuples([{ user, relation, object, condition }], { authorizationModelId: modelId });
  else await client.deleteTuples([{ user, relation, object }], { authorizationModelId: modelId });
}

/** Why the graph allows `write` to change `check`, or undefined when it says it cannot. */
function explanation(graph: RelationGraph, write: CandidateTuple, check: Check): string | undefined {
  const pair = `${typeOf(write.object)}#${write.relation}`;
  const deps = graph.dependencies(typeOf(check.object), check.relation);
  if (!deps) return undefined;
  if (deps.spread.has(pair)) return 'spread';
  if (deps.local.has(pair) && check.object === write.object) return 'local';
  if (deps.byUser.has(pair) && (check.user === write.user || !isPlain(write.user))) return 'byUser';
  return undefined;
}

/** The invalidation built on the graph: the write's object, its user, or a relation in affectedBeyond. */
function invalidated(graph: RelationGraph, write: CandidateTuple, check: Check): boolean {
  const affected = graph.affectedBeyond(`${typeOf(write.object)}#${write.relation}`);
  const relation = `${typeOf(check.object)}#${check.relation}`;
  return (
    check.object === write.object ||
    check.user === write.user ||
    (affected?.always.includes(relation) ?? false) ||
    (!isPlain(write.user) && (affected?.sharedUser.includes(relation) ?? false))
  );
}

/** Rewrite kinds and type restrictions present in a model, so the run can show it covered all of them. */
function coverage(document: AuthorizationModelDocument, graph: RelationGraph, seen: Set<string>): void {
  const json = JSON.stringify(document.type_definitions);
  for (const kind of ['computedUserset', 'tupleToUserset', 'union', 'intersection', 'difference', 'wildcard', 'condition']) {
    if (json.includes(`"${kind}"`)) seen.add(kind);
  }
  for (const definition of document.type_definitions) {
    for (const [relation, meta] of Object.entries(definition.metadata?.relations ?? {})) {
      for (const ref of meta.directly_related_user_types ?? []) {
        seen.add(ref.relation ? 'userset type' : ref.wildcard ? 'wildcard type' : ref.condition ? 'conditional type' : 'plain type');
      }
      if (graph.dependencies(definition.type, relation)?.byUser.has(`${definition.type}#${relation}`)) seen.add('recursion');
    }
  }
}

describe('RelationGraph against OpenFGA', () => {
  it('every answer a write changes is one the graph says that write can reach', async () => {
    const { apiUrl } = serverEnv();
    const random = seededRandom(SEED);
    const counts = {
      models: 0,
      rejectedModels: 0,
      writes: 0,
      checksCompared: 0,
      changesSeen: 0,
      changesExplained: 0,
      beyondObjectAndUser: 0,
      unsteady: 0,
    };
    const byReason: Record<string, number> = {};
    const unexplained: string[] = [];
    const unsteady: string[] = [];
    const covered = new Set<string>();

    const { id: storeId } = await new OpenFgaClient({ apiUrl }).createStore({ name: 'relation-graph' });
    while (counts.models < MODELS) {
      // Each model gets its own store: tuples of one model must not leak into the next.
      const store = counts.models === 0 ? storeId : (await new OpenFgaClient({ apiUrl }).createStore({ name: 'relation-graph' })).id;
      const client = new OpenFgaClient({ apiUrl, storeId: store });
      const dsl = randomModelDsl(random);
      let modelId: string;
      try {
        modelId = (await client.writeAuthorizationModel(transformer.transformDSLToJSONObject(dsl) as WriteModelBody))
          .authorization_model_id;
      } catch {
        // OpenFGA refuses some random shapes (no entry point, cycles through and/but not): draw another.
        counts.rejectedModels++;
        if (counts.rejectedModels > 200) throw new Error('the generator draws models OpenFGA refuses too often');
        continue;
      }
      counts.models++;
      // The graph is compiled from the model as OpenFGA returns it, as the module will.
      const { authorization_model: stored } = await client.readAuthorizationModel({ authorizationModelId: modelId });
      const document = stored as unknown as AuthorizationModelDocument;
      const graph = RelationGraph.compile(document);
      coverage(document, graph, covered);

      const candidates = candidateTuples(document.type_definitions, random);
      const present = new Set<string>();
      const base = candidates.filter(() => random() < 0.35);
      for (let i = 0; i < base.length; i += 50) {
        await client.writeTuples(
          base.slice(i, i + 50).map(({ user, relation, object, condition }) => ({ user, relation, object, condition })),
          { authorizationModelId: modelId },
        );
      }
      base.forEach((t) => present.add(t.key));

      const checks: Check[] = [];
      for (const definition of document.type_definitions) {
        for (const relation of Object.keys(definition.relations ?? {})) {
          for (const object of OBJECTS[definition.type] ?? []) for (const user of CHECK_USERS) checks.push({ user, relation, object });
        }
      }
      let before = await answers(client, modelId, checks);
      const writes = [...candidates].sort(() => random() - 0.5).slice(0, WRITES_PER_MODEL);
      for (const write of writes) {
        const grant = !present.has(write.key);
        const { relation, object } = write;
        await apply(client, modelId, write, grant);
        if (grant) present.add(write.key);
        else present.delete(write.key);
        counts.writes++;

        const after = await answers(client, modelId, checks);
        counts.checksCompared += checks.length;
        const suspects: string[] = [];
        const suspectChecks: Check[] = [];
        checks.forEach((check, i) => {
          if (before[i] === after[i]) return;
          counts.changesSeen++;
          const pair = `${typeOf(object)}#${relation}`;
          const reason = explanation(graph, write, check);
          const deps = graph.dependencies(typeOf(check.object), check.relation);
          // A grant that gives access (or a revoke that takes it) must come through a positive path; the reverse through a negative one.
          const gave = after[i] === 'allowed' && before[i] === 'denied';
          const took = after[i] === 'denied' && before[i] === 'allowed';
          const polarityOk =
            !(gave || took) || (gave === grant ? (deps?.positive.has(pair) ?? false) : (deps?.negative.has(pair) ?? false));
          if (reason && polarityOk && invalidated(graph, write, check)) {
            counts.changesExplained++;
            byReason[reason] = (byReason[reason] ?? 0) + 1;
            if (check.object !== write.object && check.user !== write.user) counts.beyondObjectAndUser++;
          } else if (suspects.length < 10) {
            suspectChecks.push(check);
            suspects.push(
              `${grant ? 'grant' : 'revoke'} ${JSON.stringify(write)} changed check(${check.user}, ${check.relation}, ${check.object}) ` +
                `${before[i]} -> ${after[i]} (reason ${reason ?? 'none'}, polarity ${polarityOk ? 'ok' : 'wrong'}) in model\n${dsl}`,
            );
          }
        });
        // An answer the graph cannot explain is a failure only if OpenFGA gives it steadily: undo the write,
        // ask 10 times, redo it, ask 10 times. Checks OpenFGA answers both ways on one state (seen with
        // userset users on models whose usersets form cycles) say nothing about the write; they are counted apart.
        if (suspectChecks.length > 0) {
          const repeat = (answer: Promise<Answer[]>[]) => Promise.all(answer);
          const ask = () => repeat(Array.from({ length: 10 }, () => answers(client, modelId, suspectChecks)));
          await apply(client, modelId, write, !grant);
          const undone = await ask();
          await apply(client, modelId, write, grant);
          const redone = await ask();
          suspectChecks.forEach((_, j) => {
            const beforeAgain = new Set(undone.map((r) => r[j]));
            const afterAgain = new Set(redone.map((r) => r[j]));
            if (beforeAgain.size > 1 || afterAgain.size > 1 || [...beforeAgain][0] === [...afterAgain][0]) {
              counts.unsteady++;
              unsteady.push(`${suspects[j]} asked again: before ${[...beforeAgain]}, after ${[...afterAgain]}`);
            } else unexplained.push(suspects[j]);
          });
        }
        before = after;
      }
    }

    console.log(
      `relation graph vs OpenFGA: ${JSON.stringify(counts)}, explained by ${JSON.stringify(byReason)}, covered ${[...covered].sort().join(', ')}`,
    );
    if (unsteady.length > 0) console.log(`OpenFGA answered these both ways without a write:\n${unsteady.slice(0, 3).join('\n')}`);
    expect(unexplained).toEqual([]);
    expect(counts.changesExplained + counts.unsteady).toBe(counts.changesSeen);
    // Not vacuous: writes changed answers, also of other objects and users than the written tuple's.
    expect(counts.changesSeen).toBeGreaterThan(100);
    expect(counts.beyondObjectAndUser).toBeGreaterThan(0);
    expect([...covered].sort()).toEqual(
      [
        'computedUserset',
        'condition',
        'conditional type',
        'difference',
        'intersection',
        'plain type',
        'recursion',
        'tupleToUserset',
        'union',
        'userset type',
        'wildcard',
        'wildcard type',
      ].sort(),
    );
  }, 90_000);
});
