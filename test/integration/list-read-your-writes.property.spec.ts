/**
 * Property (fast-check) on the real servers, with derived relations (owner →
 * editor → viewer, groups and nested groups, parent folders): across random
 * grants, revokes, flushes and lists, listObjects and listUsers answer
 * exactly what OpenFGA answers once everything acknowledged so far is
 * written: no revoked object (or user) ever appears, every granted-but-pending
 * one does.
 *
 * "Once written" is a mirror store in the same OpenFGA, to which every
 * acknowledged operation is applied directly; it is asked with HIGHER_CONSISTENCY.
 */
import fc from 'fast-check';
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../src';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { createStore } from '../support/harness/store';
import { openService } from '../support/harness/service';
import { mirrorUsers, recordAndMirror } from '../support/state/mirror-store';

const USERS = ['user:a', 'user:b'];
const DOCS = ['document:1', 'document:2'];
// Only tuples the fixture model accepts.
const tupleArb: fc.Arbitrary<Tuple> = fc.oneof(
  fc.record({ user: fc.constantFrom(...USERS, 'group:h#member'), relation: fc.constant('member'), object: fc.constant('group:g') }),
  fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('member'), object: fc.constant('group:h') }),
  fc.record({
    user: fc.constantFrom(...USERS, 'group:g#member', 'user:*'),
    relation: fc.constant('viewer'),
    object: fc.constantFrom('folder:f', ...DOCS),
  }),
  fc.record({
    user: fc.constantFrom(...USERS, 'group:g#member'),
    relation: fc.constant('editor'),
    object: fc.constantFrom('folder:f', ...DOCS),
  }),
  fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('owner'), object: fc.constantFrom('folder:f', ...DOCS) }),
  fc.record({ user: fc.constant('folder:f'), relation: fc.constant('parent'), object: fc.constantFrom(...DOCS) }),
);
const stepArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), tuple: tupleArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('listObjects' as const),
      user: fc.constantFrom(...USERS, 'group:g#member'),
      relation: fc.constantFrom('viewer', 'editor', 'owner'),
      type: fc.constantFrom('document', 'folder'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('listUsers' as const),
      object: fc.constantFrom('folder:f', ...DOCS),
      relation: fc.constantFrom('viewer', 'editor'),
      filter: fc.constantFrom('user', 'group#member'),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

describe('lists read your writes (property)', () => {
  it('list exactly what OpenFGA lists once everything acknowledged is written', async () => {
    let lists = 0;
    let withPending = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 30, size: 'max' }), async (steps) => {
        const [store, mirrorStore] = await Promise.all([freshStore('list-ryw'), freshStore('list-ryw-mirror')]);
        const mirror = new OpenFgaClient({
          apiUrl: serverEnv().apiUrl,
          storeId: mirrorStore.storeId,
          authorizationModelId: mirrorStore.modelId,
        });
        const higher = { consistency: 'HIGHER_CONSISTENCY' as never };
        const { service, close, ready } = openService(testOptions(store));
        await ready();
        try {
          for (const step of steps) {
            if (step.kind === 'flush') {
              expect(await service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
            } else if (step.kind === 'listObjects') {
              const pending = (await service.status()).pending.total;
              const listed = await service.listObjects(step.user, step.relation, step.type);
              const truth = (
                await mirror.listObjects({ user: step.user, relation: step.relation, type: step.type }, higher)
              ).objects.sort();
              expect({ step, listed }).toEqual({ step, listed: truth });
              lists++;
              if (pending > 0) withPending++;
            } else if (step.kind === 'listUsers') {
              const listed = await service.listUsers(step.object, step.relation, [step.filter]);
              const [type, relation] = step.filter.split('#');
              const [objType, objId] = step.object.split(':');
              const res = await mirror.listUsers(
                { object: { type: objType, id: objId }, relation: step.relation, user_filters: [relation ? { type, relation } : { type }] },
                higher,
              );
              const truth = mirrorUsers(res);
              expect({ step, listed }).toEqual({ step, listed: truth });
              lists++;
            } else {
              await recordAndMirror(service, mirror, step.kind, step.tuple);
            }
          }
        } finally {
          await close();
        }
      }),
      { numRuns: 60 },
    );
    console.log(
      `list-read-your-writes: ${lists} lists (${withPending} listObjects with operations pending), all equal to OpenFGA once written`,
    );
    expect(withPending).toBeGreaterThan(0);
  });

  it("mostly plain grants and revokes on a document's own relations: the module adds the user's grants itself, exactly", async () => {
    // Plain tuples of two users on viewer/editor/owner (each grants viewer on its own object), with now and then
    // a wildcard or a group that sends the list the usual way; lists of both users.
    const plainTuple: fc.Arbitrary<Tuple> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          user: fc.constantFrom(...USERS),
          relation: fc.constantFrom('viewer', 'owner'),
          object: fc.constantFrom(...DOCS),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ user: fc.constant('user:*'), relation: fc.constant('viewer'), object: fc.constantFrom(...DOCS) }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('member'), object: fc.constant('group:g') }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ user: fc.constant('group:g#member'), relation: fc.constant('viewer'), object: fc.constantFrom(...DOCS) }),
      },
    );
    const steps = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'grant' as const, 'revoke' as const), tuple: plainTuple }),
      },
      {
        weight: 3,
        arbitrary: fc.record({
          kind: fc.constant('list' as const),
          user: fc.constantFrom(...USERS),
          relation: fc.constantFrom('viewer', 'editor', 'owner'),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant('listUsers' as const),
          object: fc.constantFrom(...DOCS),
          relation: fc.constantFrom('viewer', 'owner'),
          filter: fc.constantFrom('user', 'group'),
        }),
      },
      { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
    );
    let lists = 0;
    let addedByModule = 0;
    let usersAddedByModule = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(steps, { minLength: 5, maxLength: 30, size: 'max' }), async (run) => {
        const [store, mirrorStore] = await Promise.all([freshStore('list-plain'), freshStore('list-plain-mirror')]);
        const mirror = new OpenFgaClient({
          apiUrl: serverEnv().apiUrl,
          storeId: mirrorStore.storeId,
          authorizationModelId: mirrorStore.modelId,
        });
        const { service, close, ready } = openService(testOptions(store));
        await ready();
        const sent: number[] = [];
        service.events.on('request', ({ api, tuples }) => (api === 'listObjects' || api === 'listUsers') && sent.push(tuples ?? 0));
        try {
          for (const step of run) {
            if (step.kind === 'flush') await service.flush();
            else if (step.kind === 'list') {
              const pending = (await service.getPendingOperations(1000)).filter((op) => op.user === step.user).length;
              sent.length = 0;
              const listed = await service.listObjects(step.user, step.relation, 'document');
              const truth = (
                await mirror.listObjects(
                  { user: step.user, relation: step.relation, type: 'document' },
                  { consistency: 'HIGHER_CONSISTENCY' as never },
                )
              ).objects.sort();
              expect({ step, listed }).toEqual({ step, listed: truth });
              lists++;
              // The user's own grants pending, yet none sent and none written first: added by the module.
              if (pending > 0 && sent.length === 1 && sent[0] === 0 && (await service.status()).pending.total > 0) addedByModule++;
            } else if (step.kind === 'listUsers') {
              const pending = (await service.getPendingOperations(1000)).filter((op) => op.object === step.object).length;
              sent.length = 0;
              const listed = await service.listUsers(step.object, step.relation, [step.filter]);
              const [objType, objId] = step.object.split(':');
              const res = await mirror.listUsers(
                { object: { type: objType, id: objId }, relation: step.relation, user_filters: [{ type: step.filter }] },
                { consistency: 'HIGHER_CONSISTENCY' as never },
              );
              const truth = mirrorUsers(res);
              expect({ step, listed }).toEqual({ step, listed: truth });
              lists++;
              if (pending > 0 && sent.length === 1 && sent[0] === 0 && (await service.status()).pending.total > 0) usersAddedByModule++;
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
    console.log(
      `list-read-your-writes (plain): ${lists} lists, ${addedByModule} listObjects and ${usersAddedByModule} listUsers ` +
        'with pending grants added by the module, all equal to OpenFGA once written',
    );
    expect(addedByModule).toBeGreaterThan(0);
    expect(usersAddedByModule).toBeGreaterThan(0);
  });

  it('with `but not` (exclusion-groups model): a pending block hides, a pending unblock shows, also through groups', async () => {
    const model = join(PROJECT_ROOT, 'test', 'fixtures', 'exclusion-groups.fga');
    const exclusionTuple: fc.Arbitrary<Tuple> = fc.oneof(
      // (OpenFGA refuses a group as a member of itself.)
      fc.record({ user: fc.constantFrom(...USERS, 'group:h#member'), relation: fc.constant('member'), object: fc.constant('group:g') }),
      fc.record({ user: fc.constantFrom(...USERS), relation: fc.constant('member'), object: fc.constant('group:h') }),
      fc.record({
        user: fc.constantFrom(...USERS, 'group:g#member', 'group:h#member', 'user:*'),
        relation: fc.constant('viewer'),
        object: fc.constantFrom(...DOCS),
      }),
      fc.record({ user: fc.constantFrom(...USERS, 'group:g#member'), relation: fc.constant('blocked'), object: fc.constantFrom(...DOCS) }),
    );
    const steps = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), tuple: exclusionTuple }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('list' as const), user: fc.constantFrom(...USERS) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
    );
    let lists = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(steps, { minLength: 5, maxLength: 30, size: 'max' }), async (run) => {
        const apiUrl = serverEnv().apiUrl;
        const [store, mirrorStore] = await Promise.all([
          createStore(apiUrl, `list-excl-${randomUUID().slice(0, 8)}`, model),
          createStore(apiUrl, `list-excl-mirror-${randomUUID().slice(0, 8)}`, model),
        ]);
        const mirror = new OpenFgaClient({ apiUrl, storeId: mirrorStore.storeId, authorizationModelId: mirrorStore.modelId });
        const { service, close, ready } = openService(testOptions(store));
        await ready();
        try {
          for (const step of run) {
            if (step.kind === 'flush') await service.flush();
            else if (step.kind === 'list') {
              const listed = await service.listObjects(step.user, 'viewer', 'document');
              const truth = (
                await mirror.listObjects(
                  { user: step.user, relation: 'viewer', type: 'document' },
                  { consistency: 'HIGHER_CONSISTENCY' as never },
                )
              ).objects.sort();
              expect({ step, listed }).toEqual({ step, listed: truth });
              lists++;
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
    console.log(`list-read-your-writes (but not): ${lists} lists, all equal to OpenFGA once written`);
    expect(lists).toBeGreaterThan(0);
  });
});
