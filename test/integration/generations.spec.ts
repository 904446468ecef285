/**
 * The read cache's generation buckets and the buffer's compact layout, on the
 * real servers: objects (users) sharing a generation bucket cost extra
 * misses, never a stale answer; pinned models are stored once per store; a
 * flush that stops gives back what it claimed ahead.
 */
import fc from 'fast-check';
import { OpenFgaClient } from '@openfga/sdk';
import { readFileSync } from 'node:fs';
import { transformer } from '@openfga/syntax-transformer';
import type { Tuple } from '../../src';
import { genBucket, tupleKey } from '../../src/redis/redis-keys';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { freePort } from '../support/harness/servers';
import { openService, OpenService, scoped } from '../support/harness/service';
import { DEFAULT_MODEL, TestStore } from '../support/harness/store';

/** `count` ids `${prefix}<n>` that all fall in the same generation bucket. */
function collidingIds(prefix: string, count: number): string[] {
  const byBucket = new Map<number, string[]>();
  for (let n = 0; n < 1_000_000; n++) {
    const id = `${prefix}${n}`;
    const same = byBucket.get(genBucket(id)) ?? [];
    same.push(id);
    byBucket.set(genBucket(id), same);
    if (same.length === count) return same;
  }
  throw new Error(`no ${count} colliding ids for ${prefix}`);
}

describe('generation buckets', () => {
  let store: TestStore;
  let writer: OpenService;
  let reader: OpenService;
  const sdk = () => new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
  beforeEach(async () => {
    store = await freshStore('generations');
    const options = testOptions(store);
    writer = openService(options);
    reader = openService({ ...options }); // another process on the same Redis and prefix
  });
  afterEach(async () => {
    await writer.close();
    await reader.close();
  });

  it('objects sharing a bucket invalidate each other: an extra miss, never a stale answer', async () => {
    const [a, b] = collidingIds('document:c', 2);
    expect(genBucket(a)).toBe(genBucket(b));
    await sdk().writeTuples([{ user: 'user:x', relation: 'viewer', object: a }]);
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(true);
    expect(await reader.service.check('user:x', 'viewer', b)).toBe(false);
    const lookup = (object: string) => reader.core.read.lookup(...scoped(reader, { user: 'user:x', relation: 'viewer', object }));
    expect(await lookup(b)).toEqual({ source: 'cache', allowed: false });

    // Changed behind the module's back (no change feed here): the cached answer stays...
    await sdk().writeTuples([{ user: 'user:x', relation: 'viewer', object: b }]);
    expect(await reader.service.check('user:x', 'viewer', b)).toBe(false);
    // ...until a write through the module touches the bucket, here through the other object.
    await writer.service.grant('user:y', 'viewer', a);
    expect((await lookup(b)).source).toBe('miss');
    expect(await reader.service.check('user:x', 'viewer', b)).toBe(true);
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(true);
    expect(await reader.service.check('user:y', 'viewer', a)).toBe(true); // the buffer answers
    expect(await reader.service.check('user:y', 'viewer', b)).toBe(false);
  });

  it('users sharing a bucket invalidate each other the same way', async () => {
    const [u, v] = collidingIds('user:k', 2);
    await sdk().writeTuples([{ user: u, relation: 'viewer', object: 'document:1' }]);
    expect(await reader.service.check(u, 'viewer', 'document:1')).toBe(true);
    expect(await reader.service.check(v, 'viewer', 'document:2')).toBe(false);
    await sdk().writeTuples([{ user: v, relation: 'viewer', object: 'document:2' }]);
    await writer.service.revoke(u, 'viewer', 'document:1');
    expect(await reader.service.check(u, 'viewer', 'document:1')).toBe(false);
    expect(await reader.service.check(v, 'viewer', 'document:2')).toBe(true);
  });

  it('a cached answer is never served once an op on its tuple is buffered, also within a shared bucket', async () => {
    const [a, b] = collidingIds('document:r', 2);
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(false); // cached denied
    expect(await reader.service.check('user:x', 'viewer', b)).toBe(false);
    await writer.service.grant('user:x', 'viewer', a);
    const lookup = (object: string) => reader.core.read.lookup(...scoped(reader, { user: 'user:x', relation: 'viewer', object }));
    expect((await lookup(a)).source).toBe('miss'); // the cached "denied" is not served
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(true); // OpenFGA, with the pending grant as a contextual tuple
    expect(await reader.service.check('user:x', 'viewer', b)).toBe(false);
    // In flight (claimed, not yet written) the grant still counts; what is cached now was computed with it.
    const batch = await writer.core.buffer.claim(10, 10_000);
    expect(await lookup(a)).toEqual({ source: 'cache', allowed: true });
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(true);
    await writer.core.writer.write(batch!.operations);
    await writer.core.buffer.settle(batch!.id, { acked: batch!.operations.map((o) => o.key), dead: [], retryAt: 0 });
    expect(await reader.service.check('user:x', 'viewer', a)).toBe(true);
  });

  it('property: with every object and two of three users in one bucket, checks always match the last acknowledged ops', async () => {
    const objects = collidingIds('document:p', 3);
    const users = [...collidingIds('user:q', 2), 'user:solo'];
    const relations = ['viewer', 'editor', 'owner'];
    const tupleArb = fc.record({
      user: fc.constantFrom(...users),
      relation: fc.constantFrom(...relations),
      object: fc.constantFrom(...objects),
    });
    const stepArb = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('grant' as const, 'revoke' as const), tuple: tupleArb }) },
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('check' as const), tuple: tupleArb, viaWriter: fc.boolean() }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 25 }), async (steps) => {
        const fresh = await freshStore('generations-prop');
        const options = testOptions(fresh);
        const a = openService(options);
        const b = openService({ ...options });
        const granted = new Set<string>();
        const has = (user: string, relation: string, object: string) => granted.has(tupleKey({ user, relation, object }));
        // The fixture model: owner implies editor, editor implies viewer.
        const expected = ({ user, relation, object }: Tuple) =>
          has(user, 'owner', object) ||
          (relation !== 'owner' && has(user, 'editor', object)) ||
          (relation === 'viewer' && has(user, 'viewer', object));
        try {
          for (const step of steps) {
            if (step.kind === 'flush') {
              expect(await a.service.flush()).toMatchObject({ failed: 0, deadLettered: 0 });
            } else if (step.kind === 'check') {
              const { user, relation, object } = step.tuple;
              const answer = await (step.viaWriter ? a : b).service.check(user, relation, object);
              expect({ step, answer }).toEqual({ step, answer: expected(step.tuple) });
            } else {
              const { user, relation, object } = step.tuple;
              await a.service[step.kind](user, relation, object);
              if (step.kind === 'grant') granted.add(tupleKey(step.tuple));
              else granted.delete(tupleKey(step.tuple));
            }
          }
        } finally {
          await a.close();
          await b.close();
        }
      }),
      { numRuns: 12 },
    );
  });
});

describe('compact buffer layout', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('layout');
    open = openService(testOptions(store));
  });
  afterEach(() => open.close());

  it('records name a pinned model by a short index; every op is written with its own model', async () => {
    const model = transformer.transformDSLToJSONObject(readFileSync(DEFAULT_MODEL, 'utf8'));
    const { authorization_model_id: secondModel } = await new OpenFgaClient({
      apiUrl: serverEnv().apiUrl,
      storeId: store.storeId,
    }).writeAuthorizationModel(model as Parameters<OpenFgaClient['writeAuthorizationModel']>[0]);
    const prefix = open.core.options.prefix;
    const second = openService({ ...testOptions(store, { authorizationModelId: secondModel }), prefix });
    const latest = openService({ ...testOptions(store), authorizationModelId: undefined, prefix });
    try {
      await open.service.grant('user:a', 'viewer', 'document:1');
      await second.service.grant('user:b', 'viewer', 'document:2');
      await latest.service.grant('user:c', 'viewer', 'document:3');
      const records = Object.values(await open.core.redis.hgetall(open.core.buffer.keys.pending)).join('\n');
      expect(records).not.toContain(store.modelId);
      expect(records).not.toContain(secondModel);

      // A process that enqueued nothing reads the models back from Redis.
      const reader = openService({ ...testOptions(store), prefix });
      try {
        const pending = await reader.service.getPendingOperations();
        expect(pending.map((o) => [o.user, o.modelId])).toEqual([
          ['user:a', store.modelId],
          ['user:b', secondModel],
          ['user:c', undefined],
        ]);
        const writes = jest.spyOn(reader.core.client, 'write'); // counts; the real server answers
        expect(await reader.service.flush()).toMatchObject({ writes: 3, failed: 0 });
        expect(writes.mock.calls.map(([w, , m]) => [w.map((t) => t.user).join(), m]).sort()).toEqual([
          ['user:a', store.modelId],
          ['user:b', secondModel],
          ['user:c', undefined],
        ]);
      } finally {
        await reader.close();
      }
      expect((await readAllTuples(store.storeId)).map(tupleId).sort()).toEqual([
        'user:a viewer document:1',
        'user:b viewer document:2',
        'user:c viewer document:3',
      ]);

      // Dead letters carry the model id itself, and a retry puts it back under its index. (The service refuses
      // a relation its model lacks; buffered directly, OpenFGA rejects it at flush.)
      await second.core.buffer.enqueue(
        [{ kind: 'grant', user: 'user:p', relation: 'no_such_relation', object: 'document:1' }],
        secondModel,
      );
      await second.service.flush();
      const [dead] = await open.service.getDeadLetters();
      expect(dead.operation.modelId).toBe(secondModel);
      expect(await open.service.retryDeadLetters()).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
      expect((await open.service.getPendingOperations()).map((o) => o.modelId)).toEqual([secondModel]);
    } finally {
      await second.close();
      await latest.close();
    }
  });

  it('reads records written before models were indexed (the model id in the record)', async () => {
    const { keys } = open.core.buffer;
    const { redis } = open.core;
    const tk = 'user:old viewer document:old';
    await redis.hset(keys.pending, tk, `w|7|${Date.now()}|0|${store.modelId}`);
    await redis.zadd(keys.queue, 7, tk);
    await redis.hincrby(keys.count, 'w', 1);
    expect(await open.service.getPendingOperations()).toEqual([expect.objectContaining({ user: 'user:old', modelId: store.modelId })]);
    expect(await open.service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tk]);
  });

  it('coalesces ops on one tuple within one call, and a revoke in it still counts as one', async () => {
    const t = { user: 'user:a', relation: 'owner', object: 'document:1' };
    await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).writeTuples([
      { user: 'user:z', relation: 'owner', object: 'folder:f' },
    ]);
    expect(await open.service.check('user:z', 'viewer', 'folder:f')).toBe(true); // cached allowed
    await open.core.buffer.enqueue([
      { kind: 'revoke', ...t },
      { kind: 'grant', ...t },
      { kind: 'grant', user: 'user:b', relation: 'viewer', object: 'document:2' },
      { kind: 'revoke', user: 'user:b', relation: 'viewer', object: 'document:2' },
    ]);
    expect((await open.service.getPendingOperations()).map((o) => `${o.kind} ${o.user}`)).toEqual(['grant user:a', 'revoke user:b']);
    expect(await open.service.status()).toMatchObject({ pending: { writes: 1, deletes: 1, total: 2 } });
    // The model says neither op can change an answer on folder:f for user:z: the cached "allowed" stays.
    expect((await open.core.read.lookup(...scoped(open, { user: 'user:z', relation: 'viewer', object: 'folder:f' }))).source).toBe('cache');
  });

  it('keeps the pending counts exact when many ops replace pending ones of the same or the other kind', async () => {
    const t = (i: number) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:${i}` });
    const counts = async () => (await open.service.status()).pending;
    await open.service.grantMany([t(1), t(2), t(3)]);
    await open.service.grantMany([t(2), t(3), t(4)]); // grants over grants: only t(4) is new
    expect(await counts()).toEqual({ writes: 4, deletes: 0, total: 4 });
    await open.service.revokeMany([t(1), t(5)]); // revokes over a grant, and a new one
    expect(await counts()).toEqual({ writes: 3, deletes: 2, total: 5 });
    await open.service.grantMany([t(1), t(5), t(6)]); // grants over revokes
    expect(await counts()).toEqual({ writes: 6, deletes: 0, total: 6 });
    await open.service.revokeMany([t(7), t(8)]); // new revokes while grants are pending
    expect(await counts()).toEqual({ writes: 6, deletes: 2, total: 8 });
    expect(await open.service.flush()).toMatchObject({ writes: 6, deletes: 2, failed: 0 });
    expect(await counts()).toEqual({ writes: 0, deletes: 0, total: 0 });
  });

  it('a dead-lettered grant no longer backs a cached "allowed" it took part in', async () => {
    const { core, service } = open;
    await service.grant('user:a', 'owner', 'document:1');
    expect(await service.check('user:a', 'viewer', 'document:1')).toBe(true); // OpenFGA, the grant as a contextual tuple
    const lookup = () => core.read.lookup(...scoped(open, { user: 'user:a', relation: 'viewer', object: 'document:1' }));
    expect(await lookup()).toEqual({ source: 'cache', allowed: true });
    // The grant never lands (a queue job that gave up, a model changed under it): it is dead-lettered.
    const batch = await core.buffer.claim(10, 10_000);
    await core.buffer.settle(batch!.id, { acked: [], dead: [{ key: batch!.operations[0].key, reason: 'gave up' }], retryAt: 0 });
    expect((await lookup()).source).toBe('miss');
    expect(await service.check('user:a', 'viewer', 'document:1')).toBe(false);
  });

  it('a flush that stops gives back the batch it claimed ahead, unattempted', async () => {
    const down = openService({
      ...testOptions(store, {
        apiUrl: `http://127.0.0.1:${await freePort()}`,
        requestTimeout: 1,
        batchSize: 5,
        maxParallelRequests: 1, // one lane: it claims a second batch while writing the first
        retryBaseDelay: 30,
        retryMaxDelay: 60,
      }),
      prefix: open.core.options.prefix,
    });
    try {
      await down.service.grantMany(
        Array.from({ length: 20 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: 'document:1' })),
      );
      const result = await down.service.flush();
      expect(result).toMatchObject({ writes: 0, failed: 5 });
      // The failed batch stays leased until its backoff ends; the one claimed ahead is back, never attempted.
      expect(await down.service.status()).toMatchObject({ inFlight: 5, pending: { total: 15 } });
      const pending = await down.service.getPendingOperations();
      expect(pending.map((o) => o.attempts)).toEqual(Array(15).fill(0));
    } finally {
      await down.close();
    }
  });
});
