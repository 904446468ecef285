/**
 * Property (fast-check) on the real servers: across random grants, revokes
 * and flushes with derived relations (owner → editor → viewer, groups,
 * nested groups, parent folders), every `batchCheck` answer — cached ones
 * (filled by earlier batches and single checks) and those asked in one
 * OpenFGA BatchCheck with each item's pending grants — equals what OpenFGA
 * answers once everything acknowledged is flushed (a mirror store written
 * directly, asked with HIGHER_CONSISTENCY): no stale allow, no stale deny.
 */
import fc from 'fast-check';
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService } from '../support/harness/service';
import { recordAndMirror } from '../support/state/mirror-store';

const USERS = ['user:a', 'user:b'];
const tupleArb: fc.Arbitrary<Tuple> = fc.oneof(
  fc.record({ user: fc.constantFrom(...USERS, 'group:h#member'), relation: fc.constant('member'), object: fc.constant('group:g') }),
  fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('member'), object: fc.constant('group:h') }),
  fc.record({
    user: fc.constantFrom(...USERS, 'group:g#member'),
    relation: fc.constantFrom('viewer', 'editor'),
    object: fc.constantFrom('folder:f', 'document:1'),
  }),
  fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('owner'), object: fc.constantFrom('folder:f', 'document:1') }),
  fc.record({ user: fc.constant('folder:f'), relation: fc.constant('parent'), object: fc.constant('document:1') }),
);
const QUERIES: Tuple[] = USERS.flatMap((user) =>
  ['viewer', 'editor', 'owner'].flatMap((relation) => ['folder:f', 'document:1'].map((object) => ({ user, relation, object }))),
);
const stepArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), tuple: tupleArb }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'batch' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('check' as const), index: fc.nat(QUERIES.length - 1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

describe('batchCheck answers as OpenFGA would once flushed (property)', () => {
  it('never a stale allow nor a stale deny, cached or asked in one BatchCheck', async () => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 25, size: 'max' }), async (steps) => {
        const [store, mirrorStore] = await Promise.all([freshStore('batch-property'), freshStore('batch-property-mirror')]);
        const mirror = new OpenFgaClient({
          apiUrl: serverEnv().apiUrl,
          storeId: mirrorStore.storeId,
          authorizationModelId: mirrorStore.modelId,
        });
        const { service, close } = openService(testOptions(store));
        const truth = async (t: Tuple) => (await mirror.check(t, { consistency: 'HIGHER_CONSISTENCY' as never })).allowed === true;
        try {
          for (const step of steps) {
            if (step.kind === 'flush') {
              expect(await service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
            } else if (step.kind === 'check') {
              const t = QUERIES[step.index];
              expect([t, await service.check(t.user, t.relation, t.object)]).toEqual([t, await truth(t)]);
            } else if (step.kind === 'batch') {
              const answers = await service.batchCheck(QUERIES);
              const expected = await Promise.all(QUERIES.map(truth));
              expect(answers.map((a) => [a.user, a.relation, a.object, a.error, a.allowed])).toEqual(
                QUERIES.map((t, i) => [t.user, t.relation, t.object, undefined, expected[i]]),
              );
              answered += answers.length;
            } else {
              await recordAndMirror(service, mirror, step.kind, step.tuple);
            }
          }
        } finally {
          await close();
        }
      }),
      { numRuns: 25 },
    );
    console.log(`batch-check property: ${answered} batch answers, all equal to OpenFGA's once flushed`);
    expect(answered).toBeGreaterThan(0);
  });
});
