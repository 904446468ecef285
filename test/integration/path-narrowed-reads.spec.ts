/**
 * Reads narrowed to their path (issue 26, src/read/path-reach.ts): during an
 * import of a folder tree, the pending `folder#parent` links are relevant to
 * every document check, and with small read limits a check used to write all
 * of them first. Now only the links on the checked document's way up (stored
 * or pending) are read, sent or written: the rest stays pending. Each answer
 * is held to OpenFGA once everything is flushed, and revokes on the path are
 * still awaited. A property test then draws folder trees changed by grants,
 * revokes and partial flushes, and holds every check to a mirror store.
 */
import { ConsistencyPreference, OpenFgaClient } from '@openfga/sdk';
import fc from 'fast-check';
import { join } from 'node:path';
import type { Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import { createStore, TestStore } from '../support/harness/store';
import { mirrorWrite, recordAndMirror } from '../support/state/mirror-store';

const UNRELATED = 300;
const parent = (child: string, of: string): Tuple => ({ user: of, relation: 'parent', object: child });

describe('reads narrowed to their path during a hierarchy import', () => {
  let s: OpenService;
  let st: TestStore;
  const sdk = () => new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: st.storeId, authorizationModelId: st.modelId });
  const pending = async () => (await s.service.status()).pending.total;

  beforeEach(async () => {
    st = await createStore(serverEnv().apiUrl, `read-path-${Date.now()}`, join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga'));
    // Small limits: 300 relevant links are far more than one snapshot lists or one request carries.
    s = openService(testOptions(st, { readLimits: { contextualTuples: 10, listedOperations: 8 } }));
    await s.ready();
    // Stored: bob views the root; folder:a is under it.
    await s.service.grantMany([{ user: 'user:bob', relation: 'viewer', object: 'folder:root' }, parent('folder:a', 'folder:root')]);
    await s.service.flush();
    // Pending: document:d under folder:b under folder:a, document:e under x5 under y5 under the root,
    // and 300 links of a tree elsewhere (x_i under y_i).
    await s.service.grantMany([
      parent('folder:b', 'folder:a'),
      parent('document:d', 'folder:b'),
      parent('document:e', 'folder:x5'),
      parent('folder:y5', 'folder:root'),
      ...Array.from({ length: UNRELATED }, (_, i) => parent(`folder:x${i}`, `folder:y${i}`)),
    ]);
  });
  afterEach(() => s.close());

  const truth = async (t: Tuple) => {
    await s.service.flush();
    expect(await pending()).toBe(0);
    return (await sdk().check(t)).allowed === true;
  };

  it('check: pending and stored links on the way up, without writing the rest first', async () => {
    const onD = { user: 'user:bob', relation: 'viewer', object: 'document:d' };
    const onE = { user: 'user:bob', relation: 'viewer', object: 'document:e' };
    const outside = { user: 'user:bob', relation: 'viewer', object: 'document:z' };
    expect(await s.service.check(onD.user, onD.relation, onD.object)).toBe(true);
    expect(await s.service.check(onE.user, onE.relation, onE.object)).toBe(true); // three pending links, one of them among the 300
    expect(await s.service.check(outside.user, outside.relation, outside.object)).toBe(false);
    expect(await pending()).toBe(UNRELATED + 4);
    for (const t of [onD, onE]) expect(await truth(t)).toBe(true);
    expect(await truth(outside)).toBe(false);
  });

  it('a revoke of a stored link on the path is written before the answer; the rest stays pending', async () => {
    await s.service.revoke('folder:root', 'parent', 'folder:a');
    expect(await s.service.check('user:bob', 'viewer', 'document:d')).toBe(false);
    expect((await sdk().read({ object: 'folder:a', relation: 'parent' })).tuples).toHaveLength(0); // written first
    expect(await pending()).toBeGreaterThanOrEqual(UNRELATED);
    expect(await truth({ user: 'user:bob', relation: 'viewer', object: 'document:d' })).toBe(false);
  });

  it('a revoke of a pending link on the path is seen; a link off the path does not hold the read', async () => {
    await s.service.revoke('folder:b', 'parent', 'document:d');
    await s.service.revoke('folder:y7', 'parent', 'folder:x7');
    expect(await s.service.check('user:bob', 'viewer', 'document:d')).toBe(false);
    expect(await s.service.check('user:bob', 'viewer', 'document:e')).toBe(true);
    expect(await pending()).toBeGreaterThanOrEqual(UNRELATED - 1);
    expect(await truth({ user: 'user:bob', relation: 'viewer', object: 'document:d' })).toBe(false);
  });

  it('a stored link leads to a folder whose own link is pending', async () => {
    await s.service.grant('folder:c', 'parent', 'document:s');
    await s.core.flusher.flushTuples(['folder:c parent document:s']);
    await s.service.grant('folder:root', 'parent', 'folder:c');
    expect(await s.service.check('user:bob', 'viewer', 'document:s')).toBe(true);
    expect(await pending()).toBe(UNRELATED + 5);
    expect(await truth({ user: 'user:bob', relation: 'viewer', object: 'document:s' })).toBe(true);
  });

  it('batchCheck and listUsers take the same path', async () => {
    const answers = await s.service.batchCheck([
      { user: 'user:bob', relation: 'viewer', object: 'document:d' },
      { user: 'user:bob', relation: 'viewer', object: 'document:e' },
      { user: 'user:anne', relation: 'viewer', object: 'document:d' },
    ]);
    expect(answers.map((a) => a.allowed)).toEqual([true, true, false]);
    expect(await s.service.listUsers('document:e', 'viewer', ['user'])).toEqual(['user:bob']);
    expect(await pending()).toBe(UNRELATED + 4);
  });
});

describe('reads narrowed to their path: random folder trees against a mirror store', () => {
  const FOLDERS = ['folder:root', 'folder:a', 'folder:b', 'folder:c'];
  const DOCS = ['document:1', 'document:2'];
  const USERS = ['user:bob', 'user:anne'];
  const modelFile = join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga');
  const op = fc.oneof(
    fc.record({
      kind: fc.constantFrom('grant' as const, 'grant' as const, 'revoke' as const),
      child: fc.constantFrom(...FOLDERS.slice(1), ...DOCS),
      of: fc.constantFrom(...FOLDERS),
    }),
    fc.record({
      kind: fc.constantFrom('grant' as const, 'grant' as const, 'revoke' as const),
      user: fc.constantFrom(...USERS),
      on: fc.constantFrom(...FOLDERS, ...DOCS),
    }),
    fc.record({ kind: fc.constant('flushSome' as const), count: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('flushSome' as const), count: fc.integer({ min: 1, max: 3 }) }),
  );

  it('every check, batchCheck and listUsers answers as the mirror after each step', async () => {
    const { apiUrl } = serverEnv();
    let runs = 0;
    let narrowedReads = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 2, maxLength: 10 }), async (steps) => {
        runs++;
        const [st, mirrorStore] = await Promise.all([
          createStore(apiUrl, `path-prop-${runs}`, modelFile),
          createStore(apiUrl, `path-prop-mirror-${runs}`, modelFile),
        ]);
        const mirror = new OpenFgaClient({ apiUrl, storeId: mirrorStore.storeId, authorizationModelId: mirrorStore.modelId });
        const s = openService(testOptions(st, { readLimits: { contextualTuples: 4, listedOperations: 6 } }));
        try {
          await s.ready();
          // Links elsewhere in the tree, always pending: more than one snapshot lists, so every read narrows or writes first.
          const elsewhere = Array.from({ length: 20 }, (_, i) => parent(`folder:x${i}`, `folder:y${i}`));
          await s.service.grantMany(elsewhere);
          await mirrorWrite(mirror, 'grant', elsewhere);
          const touched: string[] = [];
          for (const [i, step] of steps.entries()) {
            if (step.kind === 'flushSome') {
              // Another process writes only the latest few tuples touched: some links stored, others pending.
              await s.core.flusher.flushTuples(touched.slice(-step.count));
            } else {
              const t = 'child' in step ? parent(step.child, step.of) : { user: step.user, relation: 'viewer', object: step.on };
              await recordAndMirror(s.service, mirror, step.kind, t);
              touched.push(`${t.user} ${t.relation} ${t.object}`);
            }
            const checks = USERS.flatMap((user) => DOCS.map((object) => ({ user, relation: 'viewer', object })));
            const truths = await Promise.all(
              checks.map(async (c) => (await mirror.check(c, { consistency: ConsistencyPreference.HigherConsistency })).allowed === true),
            );
            const answers = await Promise.all(checks.map((c) => s.service.check(c.user, c.relation, c.object)));
            const batch = await s.service.batchCheck(checks);
            for (const [j, c] of checks.entries()) {
              const at = `after step ${i + 1} of ${JSON.stringify(steps)}: ${c.user} viewer ${c.object}`;
              expect({ at, check: answers[j] }).toEqual({ at, check: truths[j] });
              expect({ at, batch: batch[j].allowed }).toEqual({ at, batch: truths[j] });
            }
            const users = await s.service.listUsers('document:1', 'viewer', ['user']);
            const expected = USERS.filter((_, k) => truths[k * DOCS.length]);
            expect({ step: i + 1, steps, users: [...users].sort() }).toEqual({ step: i + 1, steps, users: expected.sort() });
            narrowedReads += (await s.service.status()).pending.total >= elsewhere.length ? 1 : 0;
          }
        } finally {
          await s.close();
        }
      }),
      {
        numRuns: 60,
        // A stored link from the document to a folder whose own link is pending: the walk must follow stored links.
        examples: [
          [
            [
              { kind: 'grant', child: 'document:1', of: 'folder:b' },
              { kind: 'flushSome', count: 1 },
              { kind: 'grant', child: 'folder:b', of: 'folder:a' },
              { kind: 'grant', user: 'user:bob', on: 'folder:a' },
            ],
          ],
        ],
      },
    );
    // The links elsewhere stayed pending through the reads: they were narrowed away, not written first.
    expect(narrowedReads).toBeGreaterThan(runs);
  }, 240_000);
});
