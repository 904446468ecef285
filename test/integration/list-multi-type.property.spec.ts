/**
 * listObjects and listUsers on a model with two plain user types, `user:*`, `group#member`, a plain
 * object type as a user, `but not`, `and`, a conditional type restriction and `viewer from parent` with
 * a parent of two types (test/fixtures/lists-multi-type.fga), on the real servers: random grants,
 * revokes, conditional grants and flushes, each mirrored to a second store (the oracle, asked with
 * HIGHER_CONSISTENCY). Every list equals the oracle's answer; with `mayOmitPendingGrants` it is a
 * subset of it. Half the sequences use read limits small enough to overflow.
 */
import fc from 'fast-check';
import { OpenFgaClient } from '@openfga/sdk';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ConditionalTuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { createStore } from '../support/harness/store';
import { openService, OpenService } from '../support/harness/service';
import { quietNestLogs } from '../support/reliability/scale';
import { mirrorUsers, recordAndMirror } from '../support/state/mirror-store';

const MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'lists-multi-type.fga');
const PLAIN = ['user:a', 'user:b', 'employee:a'];
const DOCS = ['document:1', 'document:2'];
const tupleArb: fc.Arbitrary<ConditionalTuple> = fc.oneof(
  fc.record({
    user: fc.constantFrom(...PLAIN, 'group:h#member'),
    relation: fc.constant('member'),
    object: fc.constantFrom('group:g', 'group:1'),
  }),
  fc.record({
    user: fc.constantFrom(...PLAIN, 'user:*', 'group:g#member'),
    relation: fc.constant('viewer'),
    object: fc.constantFrom('folder:1', ...DOCS),
  }),
  fc.record({ user: fc.constant('group:g'), relation: fc.constant('viewer'), object: fc.constantFrom(...DOCS) }),
  fc.record({ user: fc.constantFrom(...PLAIN), relation: fc.constantFrom('owner', 'blocked', 'editor'), object: fc.constantFrom(...DOCS) }),
  fc.record({ user: fc.constantFrom(...PLAIN, 'group:g'), relation: fc.constant('allowed'), object: fc.constantFrom(...DOCS) }),
  fc.record({ user: fc.constantFrom(...PLAIN), relation: fc.constant('owner'), object: fc.constant('folder:1') }),
  fc
    .record({
      user: fc.constantFrom('folder:1', 'drive:1', 'folder:2'),
      relation: fc.constant('parent'),
      object: fc.constantFrom(...DOCS, 'folder:1', 'folder:2'),
    })
    .filter((x) => x.user !== x.object),
  fc.record({
    user: fc.constantFrom(...PLAIN),
    relation: fc.constantFrom('owner', 'viewer'),
    object: fc.constantFrom('drive:1', 'folder:2'),
  }),
  fc
    .record({ user: fc.constantFrom('user:a', 'user:b'), object: fc.constantFrom(...DOCS), x: fc.constantFrom(5, 20) })
    .map(({ user, object, x }) => ({ user, relation: 'editor', object, condition: { name: 'small', context: { x } } })),
);
const LIST_USERS = ['user:a', 'user:b', 'employee:a', 'group:g', 'group:g#member', 'user:*', 'group:1'];
const stepArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'grant' as const, 'revoke' as const), tuple: tupleArb }) },
  // A revoke of a tuple granted earlier in the sequence (written or not): the states where a list must not keep it.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('revokeGranted' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constant('listObjects' as const),
        user: fc.constantFrom(...LIST_USERS),
        relation: fc.constantFrom('viewer', 'editor', 'owner', 'can_view', 'can_read', 'direct_only'),
        type: fc.constantFrom('document', 'document', 'folder'),
        omit: fc.boolean(),
      })
      .map((s) => (s.type === 'folder' && !['viewer', 'owner'].includes(s.relation) ? { ...s, relation: 'viewer' } : s)),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        kind: fc.constant('listUsers' as const),
        object: fc.constantFrom('folder:1', ...DOCS),
        relation: fc.constantFrom('viewer', 'editor', 'owner', 'can_view', 'can_read', 'direct_only'),
        filters: fc.subarray(['user', 'employee', 'group', 'group#member'], { minLength: 1 }),
        omit: fc.boolean(),
      })
      .map((s) => (s.object.startsWith('folder') && !['viewer', 'owner'].includes(s.relation) ? { ...s, relation: 'viewer' } : s)),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

/** Read limits small enough to overflow (half the sequences): the lists then write first or fail closed. */
const SMALL_LIMITS = { readLimits: { contextualTuples: 2, listedOperations: 3 } };

describe('lists on a model with several user and parent types, against an oracle store', () => {
  beforeAll(() => quietNestLogs('silent'));
  it('every list equals what OpenFGA answers once every acknowledged op is written (a subset with mayOmitPendingGrants)', async () => {
    const apiUrl = serverEnv().apiUrl;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 25, size: 'max' }), fc.boolean(), async (steps, small) => {
        const [store, mirrorStore] = await Promise.all([
          createStore(apiUrl, `rv-${randomUUID().slice(0, 8)}`, MODEL),
          createStore(apiUrl, `rv-m-${randomUUID().slice(0, 8)}`, MODEL),
        ]);
        const mirror = new OpenFgaClient({ apiUrl, storeId: mirrorStore.storeId, authorizationModelId: mirrorStore.modelId });
        const higher = { consistency: 'HIGHER_CONSISTENCY' as never };
        const { service, close, ready } = openService(testOptions(store, small ? SMALL_LIMITS : {}));
        await ready();
        const granted: ConditionalTuple[] = [];
        try {
          for (const step of steps) {
            if (step.kind === 'flush') await service.flush();
            else if (step.kind === 'listObjects') {
              if (step.omit && step.type === 'folder') continue;
              const listed = await service.listObjects(
                step.user,
                step.relation,
                step.type,
                step.omit ? { mayOmitPendingGrants: true } : {},
              );
              const truth = (
                await mirror.listObjects({ user: step.user, relation: step.relation, type: step.type }, higher)
              ).objects.sort();
              if (step.omit) expect({ step, extra: listed.filter((o) => !truth.includes(o)) }).toEqual({ step, extra: [] });
              else expect({ step, listed }).toEqual({ step, listed: truth });
            } else if (step.kind === 'listUsers') {
              const listed = await service.listUsers(
                step.object,
                step.relation,
                step.filters,
                step.omit ? { mayOmitPendingGrants: true } : {},
              );
              const [objType, objId] = step.object.split(':');
              const all: string[] = [];
              for (const f of step.filters) {
                const [type, relation] = f.split('#');
                const res = await mirror.listUsers(
                  {
                    object: { type: objType, id: objId },
                    relation: step.relation,
                    user_filters: [relation ? { type, relation } : { type }],
                  },
                  higher,
                );
                all.push(...mirrorUsers(res));
              }
              const truth = [...new Set(all)].sort();
              if (step.omit) expect({ step, extra: listed.filter((o) => !truth.includes(o)) }).toEqual({ step, extra: [] });
              else expect({ step, listed }).toEqual({ step, listed: truth });
            } else if (step.kind === 'revokeGranted') {
              if (granted.length > 0) await recordAndMirror(service, mirror, 'revoke', granted[step.pick % granted.length]);
            } else {
              await recordAndMirror(service, mirror, step.kind, step.tuple);
              if (step.kind === 'grant') granted.push({ user: step.tuple.user, relation: step.tuple.relation, object: step.tuple.object });
            }
          }
        } finally {
          await close();
        }
      }),
      { numRuns: 60 },
    );
  }, 600_000);
  /**
   * A store where user:a and employee:a own document:1 in OpenFGA, user:a's ownership revoked (pending) and user:b's of
   * document:2 granted (pending, a plain grant lists add themselves). The first list that reads the revoke writes it
   * first, so each kind of list gets its own store.
   */
  async function revokedAfterWrite(): Promise<OpenService> {
    const store = await createStore(serverEnv().apiUrl, `lmt-${randomUUID().slice(0, 8)}`, MODEL);
    const open = openService(testOptions(store));
    await open.ready();
    await open.service.grantMany([
      { user: 'user:a', relation: 'owner', object: 'document:1' },
      { user: 'employee:a', relation: 'owner', object: 'document:1' },
    ]);
    await open.service.flush();
    await open.service.revoke('user:a', 'owner', 'document:1');
    await open.service.grant('user:b', 'owner', 'document:2');
    return open;
  }
  const RELATIONS = ['owner', 'direct_only', 'editor', 'viewer'];

  it('listObjects: a pending revoke of a written grant takes its object out of every list the grant put it in', async () => {
    const { service, close } = await revokedAfterWrite();
    try {
      for (const relation of RELATIONS) {
        expect([relation, await service.listObjects('user:a', relation, 'document')]).toEqual([relation, []]);
        expect([relation, await service.listObjects('user:b', relation, 'document')]).toEqual([relation, ['document:2']]);
      }
    } finally {
      await close();
    }
  });

  it('listUsers: a pending revoke of a written grant takes its user out of every list the grant put it in', async () => {
    const { service, close } = await revokedAfterWrite();
    try {
      for (const relation of RELATIONS) {
        expect([relation, await service.listUsers('document:1', relation, ['user', 'employee'])]).toEqual([relation, ['employee:a']]);
        expect([relation, await service.listUsers('document:2', relation, ['user'])]).toEqual([relation, ['user:b']]);
      }
    } finally {
      await close();
    }
  });
});
