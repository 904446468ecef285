/**
 * R7 — property-based: random sequences of grants, revokes, checks and
 * flushes, each step run by one of several service processes (a sequence hops
 * between processes), many sequences at once on one buffer and one store.
 *
 * Must hold (docs/design.md §2 invariants 2 and 5):
 * - OpenFGA's Read equals a model of last-op-wins (one Read verifies a whole
 *   batch: every sequence works in its own tuple namespace);
 * - every check, whichever process runs it and before any flush, equals the
 *   model's answer, derived relations included (owner ⇒ editor ⇒ viewer,
 *   group membership, `user:*`).
 * Sequences come from fast-check arbitraries with a reported seed
 * (RELIABILITY_SEED replays a run). Short mode: 200 sequences; full: 10,000.
 */
import fc from 'fast-check';
import type { OpenFgaModuleOptions } from '../../src';
import { OpenFgaClient } from '@openfga/sdk';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { diffSets, readStore, startLoad } from '../support/reliability/ledger';
import { killServiceProcesses, ServiceProcess, startServiceProcess } from '../support/reliability/rpc';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, round1, scaled, until } from '../support/reliability/scale';
import { openService } from '../support/harness/service';

const SEQUENCES = scaled(200, 10_000);
const PER_BATCH = scaled(100, 1000);
const PROCESSES = 3;
const CONCURRENCY = 48;

/** Abstract tuples of one sequence: A and B are users, G a group, 1 and 2 documents. */
type User = 'A' | 'B' | '*' | 'G#member';
type Rel = 'owner' | 'editor' | 'viewer' | 'member';
interface AbstractTuple {
  user: User;
  relation: Rel;
  object: '1' | '2' | 'G';
}
const TUPLES: AbstractTuple[] = [];
for (const object of ['1', '2'] as const) {
  for (const user of ['A', 'B'] as const) TUPLES.push({ user, relation: 'owner', object });
  for (const user of ['A', 'B', 'G#member'] as const) TUPLES.push({ user, relation: 'editor', object });
  for (const user of ['A', 'B', '*', 'G#member'] as const) TUPLES.push({ user, relation: 'viewer', object });
}
TUPLES.push({ user: 'A', relation: 'member', object: 'G' }, { user: 'B', relation: 'member', object: 'G' });
/** What a sequence may ask: users A and B only. */
const CHECKS: AbstractTuple[] = [];
for (const user of ['A', 'B'] as const) {
  for (const object of ['1', '2'] as const)
    for (const relation of ['owner', 'editor', 'viewer'] as const) CHECKS.push({ user, relation, object });
  CHECKS.push({ user, relation: 'member', object: 'G' });
}

type Step =
  { kind: 'grant' | 'revoke'; t: number; proc: number } | { kind: 'check'; t: number; proc: number } | { kind: 'flush'; proc: number };

const proc = fc.nat(PROCESSES - 1);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), t: fc.nat(TUPLES.length - 1), proc }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('check' as const), t: fc.nat(CHECKS.length - 1), proc }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const), proc }) },
);
const sequenceArb = fc.array(stepArb, { minLength: 1, maxLength: 12 });

/** Concrete names inside the namespace of sequence `ns`. */
function concrete(ns: string, t: AbstractTuple) {
  const user = t.user === '*' ? 'user:*' : t.user === 'G#member' ? `group:${ns}G#member` : `user:${ns}${t.user}`;
  const object = t.object === 'G' ? `group:${ns}G` : `document:${ns}${t.object}`;
  return { user, relation: t.relation, object };
}

const key = (t: AbstractTuple) => `${t.user} ${t.relation} ${t.object}`;

/** The fixture model, evaluated over one sequence's tuples. */
function evaluate(state: Set<string>, q: AbstractTuple): boolean {
  const has = (user: User, relation: Rel, object: string) => state.has(`${user} ${relation} ${object}`);
  const u = q.user;
  const member = has(u, 'member', 'G');
  if (q.relation === 'member') return member;
  const owner = has(u, 'owner', q.object);
  const editor = has(u, 'editor', q.object) || owner || (member && has('G#member', 'editor', q.object));
  if (q.relation === 'owner') return owner;
  if (q.relation === 'editor') return editor;
  return has(u, 'viewer', q.object) || has('*', 'viewer', q.object) || editor || (member && has('G#member', 'viewer', q.object));
}

/** A step as text, e.g. `p1 grant A owner 1`. */
function describeStep(step: Step): string {
  if (step.kind === 'flush') return `p${step.proc} flush`;
  return `p${step.proc} ${step.kind} ${key(step.kind === 'check' ? CHECKS[step.t] : TUPLES[step.t])}`;
}

interface Violation {
  sequence: number;
  step: number;
  detail: string;
  steps: Step[];
}

describe('R7: last op wins, property-based, across processes', () => {
  beforeAll(() => quietNestLogs());
  afterAll(killServiceProcesses);

  it(
    `${SEQUENCES} random sequences over ${PROCESSES} processes: OpenFGA's Read and every check equal the model`,
    async () => {
      const sequences = fc.sample(sequenceArb, { seed: RELIABILITY_SEED, numRuns: SEQUENCES });
      const violations: Violation[] = [];
      const counts = { steps: 0, writes: 0, checks: 0, flushes: 0, tuples: 0 };
      const started = Date.now();

      for (let first = 0; first < sequences.length; first += PER_BATCH) {
        const batch = sequences.slice(first, first + PER_BATCH);
        const store = await freshStore('r7');
        const options: OpenFgaModuleOptions = testOptions(store, {
          autoFlush: true,
          flushInterval: 0.5,
          batchSize: 100,
          changeFeed: { enabled: false },
        });
        const procs: ServiceProcess[] = await Promise.all(Array.from({ length: PROCESSES }, () => startServiceProcess(options)));
        try {
          const states = batch.map(() => new Set<string>());
          const run = async (i: number) => {
            const ns = `s${first + i}x`;
            const state = states[i];
            for (const [s, step] of batch[i].entries()) {
              counts.steps++;
              const p = procs[step.proc];
              if (step.kind === 'flush') {
                counts.flushes++;
                const r = await p.flush();
                if (r.failed + r.deadLettered > 0)
                  violations.push({ sequence: first + i, step: s, detail: `flush ${JSON.stringify(r)}`, steps: batch[i] });
              } else if (step.kind === 'check') {
                counts.checks++;
                const q = CHECKS[step.t];
                const c = concrete(ns, q);
                const expected = evaluate(state, q);
                const got = await p.check(c.user, c.relation, c.object).catch((e: unknown) => String(e));
                if (got !== expected)
                  violations.push({
                    sequence: first + i,
                    step: s,
                    detail: `check ${key(q)}: expected ${expected}, got ${String(got)}`,
                    steps: batch[i],
                  });
              } else {
                counts.writes++;
                const t = TUPLES[step.t];
                const c = concrete(ns, t);
                await p[step.kind](c.user, c.relation, c.object);
                if (step.kind === 'grant') state.add(key(t));
                else state.delete(key(t));
              }
            }
          };
          let next = 0;
          await Promise.all(
            Array.from({ length: CONCURRENCY }, async () => {
              while (next < batch.length) await run(next++);
            }),
          );
          await until(
            'batch drained',
            async () => {
              await procs[0].flush();
              const s = await procs[0].status();
              return s.pending.total === 0 && s.inFlight === 0 && s.deadLettered === 0;
            },
            60_000,
            100,
          );
          const expected = states
            .flatMap((state, i) =>
              [...state].map((k) => {
                const [user, relation, object] = k.split(' ');
                const c = concrete(`s${first + i}x`, { user, relation, object } as AbstractTuple);
                return `${c.user} ${c.relation} ${c.object}`;
              }),
            )
            .sort();
          counts.tuples += expected.length;
          const diff = diffSets(expected, await readStore(serverEnv().apiUrl, store.storeId));
          for (const id of [...diff.missing, ...diff.unexpected]) {
            const sequence = Number(/:s(\d+)x/.exec(id)?.[1]);
            violations.push({
              sequence,
              step: -1,
              detail: `${diff.missing.includes(id) ? 'missing' : 'unexpected'} in OpenFGA: ${id}`,
              steps: sequences[sequence],
            });
          }
        } finally {
          await Promise.all(procs.map((p) => p.close()));
        }
      }

      const elapsedS = (Date.now() - started) / 1000;
      const kinds = {
        wrongAllowed: violations.filter((v) => / expected false, got true$/.test(v.detail)).length,
        wrongDenied: violations.filter((v) => / expected true, got false$/.test(v.detail)).length,
        checkErrors: violations.filter((v) => v.detail.startsWith('check') && !/ got (true|false)$/.test(v.detail)).length,
        readMismatches: violations.filter((v) => v.step === -1).length,
        flushFailures: violations.filter((v) => v.detail.startsWith('flush')).length,
      };
      reportFigures(
        'R7',
        `${SEQUENCES} random sequences (seed ${RELIABILITY_SEED}) over ${PROCESSES} processes, ${CONCURRENCY} at a time: ` +
          `${counts.writes} grants/revokes, ${counts.checks} checks, ${counts.flushes} explicit flushes, ${counts.tuples} tuples compared; ` +
          `${violations.length} violations (Read ≠ model: ${kinds.readMismatches}; checks wrongly allowed: ${kinds.wrongAllowed}, ` +
          `wrongly denied: ${kinds.wrongDenied}, failed: ${kinds.checkErrors}); ${round1(elapsedS)} s`,
        {
          sequences: SEQUENCES,
          seed: RELIABILITY_SEED,
          processes: PROCESSES,
          ...counts,
          violations: violations.length,
          ...kinds,
          elapsedS,
          sample: violations.slice(0, 30).map((v) => ({ ...v, steps: v.steps.map(describeStep) })),
        },
      );
      expect(violations.slice(0, 10)).toEqual([]);
    },
    scaled(120_000, 1_800_000),
  );
});

/**
 * The smallest form of what the property finds (sequence: grant owner B 2, revoke editor B 2,
 * check editor B 2): the buffer answers "denied" for a tuple whose direct op is a pending revoke,
 * although the relation is still granted another way (owner ⇒ editor, `user:*` ⇒ viewer).
 */
describe('R7 (minimal case): a pending revoke of a direct tuple', () => {
  beforeAll(() => quietNestLogs());

  it('does not deny a relation the user still has another way (derived from owner, or through user:*)', async () => {
    const store = await freshStore('r7-minimal');
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
    await sdk.write({
      writes: [
        { user: 'user:anne', relation: 'owner', object: 'document:1' },
        { user: 'user:anne', relation: 'editor', object: 'document:1' },
        { user: 'user:*', relation: 'viewer', object: 'document:2' },
        { user: 'user:anne', relation: 'viewer', object: 'document:2' },
      ],
    });
    const open = openService(testOptions(store, { changeFeed: { enabled: false } }));
    try {
      await open.service.revoke('user:anne', 'editor', 'document:1');
      await open.service.revoke('user:anne', 'viewer', 'document:2');
      const pending = {
        editor: await open.service.check('user:anne', 'editor', 'document:1'),
        viewer: await open.service.check('user:anne', 'viewer', 'document:2'),
      };
      await open.service.flush();
      const flushed = {
        editor: await open.service.check('user:anne', 'editor', 'document:1'),
        viewer: await open.service.check('user:anne', 'viewer', 'document:2'),
      };
      expect({ pending, flushed }).toEqual({ pending: { editor: true, viewer: true }, flushed: { editor: true, viewer: true } });
    } finally {
      await open.close();
    }
  });
});

/**
 * The other kind of violation the property finds under concurrent sequences: a check that
 * OpenFGA answers "allowed" while any revoke is outstanding in the store flushes and asks
 * again until no revoke is outstanding at all, so a steady stream of unrelated revokes keeps
 * it looping until checkTimeout, and it denies (fail closed) what is allowed.
 */
describe('R7 (minimal case): checks under a steady stream of unrelated revokes', () => {
  beforeAll(() => quietNestLogs());

  it('an allowed tuple is answered "allowed" within checkTimeout while other processes keep revoking other tuples', async () => {
    const store = await freshStore('r7-revoke-stream');
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
    const allowed = Array.from({ length: 4 }, (_, i) => ({ user: 'user:anne', relation: 'viewer', object: `document:kept${i}` }));
    await sdk.write({ writes: allowed });
    const options = testOptions(store, { changeFeed: { enabled: false }, checkTimeout: 3 });
    const reader = openService(options);
    const writer = openService(options); // another instance of the app, revoking other users' access
    const load = startLoad(writer.service, {
      lanes: 4,
      tuplesPerLane: 500,
      tuple: (l, i) => ({ user: `user:w${l}u${i}`, relation: 'viewer', object: `document:w${l}d${i}` }),
      grantRatio: 0,
      maxOps: 1_000_000,
      maxMs: 30_000,
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const answers: string[] = [];
      for (const t of allowed) {
        const started = Date.now();
        const got = await reader.service.check(t.user, t.relation, t.object).catch((e: unknown) => (e as Error).name);
        answers.push(`${t.object}: ${String(got)} in ${Date.now() - started} ms`);
      }
      expect(answers.filter((a) => !a.includes(': true in'))).toEqual([]);
    } finally {
      await load.stop();
      await reader.close();
      await writer.close();
    }
  }, 60_000);
});
