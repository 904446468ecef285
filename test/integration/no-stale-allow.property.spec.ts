/**
 * Property (fast-check) on the real servers, with derived relations (owner →
 * editor → viewer, groups and nested groups, parent folders): across random
 * grants, revokes, flushes and checks, the module never answers "allowed"
 * where OpenFGA, once everything acknowledged so far is flushed, would deny,
 * nor "denied" where it would allow.
 *
 * "Once flushed" is a mirror store in the same OpenFGA, to which every
 * acknowledged operation is applied directly; it is asked with HIGHER_CONSISTENCY.
 */
import fc from 'fast-check';
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService } from '../support/harness/service';
import { recordAndMirror } from '../support/state/mirror-store';

const USERS = ['user:a', 'user:b'];
// Only tuples the fixture model accepts.
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
const queryArb = fc.record({
  user: fc.constantFrom(...USERS),
  relation: fc.constantFrom('viewer', 'editor', 'owner'),
  object: fc.constantFrom('folder:f', 'document:1'),
});
const stepArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), tuple: tupleArb }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('check' as const), tuple: queryArb }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

describe('no stale allow with derived relations (property)', () => {
  it('never answers allowed where OpenFGA, once flushed, would deny', async () => {
    let checks = 0;
    let staleDenies = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 30, size: 'max' }), async (steps) => {
        const [store, mirrorStore] = await Promise.all([freshStore('stale-allow'), freshStore('stale-allow-mirror')]);
        const mirror = new OpenFgaClient({
          apiUrl: serverEnv().apiUrl,
          storeId: mirrorStore.storeId,
          authorizationModelId: mirrorStore.modelId,
        });
        const { service, close } = openService(testOptions(store));
        try {
          for (const step of steps) {
            if (step.kind === 'flush') {
              expect(await service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
            } else if (step.kind === 'check') {
              const { user, relation, object } = step.tuple;
              const answer = await service.check(user, relation, object);
              const truth = (await mirror.check(step.tuple, { consistency: 'HIGHER_CONSISTENCY' as never })).allowed === true;
              checks++;
              if (answer && !truth) throw new Error(`stale allow: ${user} ${relation} ${object}`);
              if (!answer && truth) staleDenies++;
            } else {
              await recordAndMirror(service, mirror, step.kind, step.tuple);
            }
          }
        } finally {
          await close();
        }
      }),
      { numRuns: 40 },
    );
    // Since reads follow the model's relation graph, a multi-hop grant on another user and object is seen too.
    console.log(`no-stale-allow: ${checks} checks, 0 stale allows, ${staleDenies} stale denies`);
    expect(checks).toBeGreaterThan(0);
    expect(staleDenies).toBe(0);
  });
});
