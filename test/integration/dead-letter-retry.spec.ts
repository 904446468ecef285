/**
 * Retrying dead letters keeps docs/design.md §2 invariant 2 (last op wins) on the real
 * servers: a dead letter whose tuple got a newer op (written, pending, in
 * flight or dead-lettered too) is superseded, dropped and named; the marks
 * that tell (`deadtuples`) live only as long as their tuple's dead letters.
 */
import type { Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

const ANNE: Tuple = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const BOB: Tuple = { user: 'user:bob', relation: 'viewer', object: 'document:2' };

describe('dead-letter retry: last op wins', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await freshStore('dead-retry');
    open = openService(testOptions(store, { changeFeed: { enabled: false } }));
  });
  afterEach(() => open.close());

  /**
   * Buffers `kind` on `t` and has its flush attempt end in a permanent
   * rejection (through the buffer's own claim and settle, so a valid tuple can
   * be dead-lettered); returns the dead letter's id.
   */
  async function deadLetter(kind: 'grant' | 'revoke', t: Tuple): Promise<string> {
    const { core, service } = open;
    const { seq } = await core.buffer.enqueue([{ kind, ...t }]);
    const batch = await core.buffer.claim(100, 10_000);
    expect(batch?.operations.map((o) => o.key)).toEqual([tupleId(t)]);
    expect(await core.buffer.settle(batch!.id, { acked: [], dead: [{ key: tupleId(t), reason: 'rejected' }], retryAt: 0 })).toBe(0);
    const letter = (await service.getDeadLetters()).find((d) => d.operation.seq === seq);
    return letter!.id;
  }

  const marks = () => open.core.redis.hgetall(open.core.buffer.keys.deadTuples);

  it('drops a dead letter whose tuple had a newer op written since, and names it', async () => {
    const { service } = open;
    const anne = await deadLetter('grant', ANNE);
    await deadLetter('grant', BOB);
    await service.revoke(ANNE.user, ANNE.relation, ANNE.object); // the newer op: written to OpenFGA
    expect(await service.flush()).toMatchObject({ deletes: 1, failed: 0, deadLettered: 0 });

    expect(await service.retryDeadLetters()).toEqual({ requeued: 1, superseded: 1, supersededIds: [anne] });
    expect(await service.getDeadLetters()).toEqual([]);
    expect((await service.getPendingOperations()).map((o) => o.key)).toEqual([tupleId(BOB)]);
    expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tupleId(BOB)]);
    expect(await marks()).toEqual({}); // gone with the last dead letter
  });

  it('drops an older dead letter retried alone after a newer op on its tuple was dead-lettered', async () => {
    const { service } = open;
    const grant = await deadLetter('grant', ANNE);
    const revoke = await deadLetter('revoke', ANNE);
    expect(await service.retryDeadLetters([grant])).toEqual({ requeued: 0, superseded: 1, supersededIds: [grant] });
    expect(await service.retryDeadLetters([revoke])).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
    expect(await service.getPendingOperations()).toEqual([expect.objectContaining({ kind: 'revoke', user: ANNE.user })]);
  });

  it('drops a dead letter whose tuple has a newer op pending or in flight', async () => {
    const { core, service } = open;
    const anne = await deadLetter('grant', ANNE);
    const bob = await deadLetter('grant', BOB);
    await service.revoke(ANNE.user, ANNE.relation, ANNE.object);
    await service.revoke(BOB.user, BOB.relation, BOB.object);
    const batch = await core.buffer.claim(1, 10_000); // the oldest: anne's revoke in flight, bob's pending
    expect(batch?.operations.map((o) => o.key)).toEqual([tupleId(ANNE)]);
    expect(await service.retryDeadLetters()).toEqual({ requeued: 0, superseded: 2, supersededIds: [anne, bob] });
    await core.buffer.settle(batch!.id, { acked: [tupleId(ANNE)], dead: [], retryAt: 0 });
    expect(await marks()).toEqual({});
  });

  it('requeues a dead letter with nothing newer on its tuple; later ops are not held back by it', async () => {
    const { service } = open;
    await deadLetter('grant', ANNE);
    expect(await service.retryDeadLetters()).toEqual({ requeued: 1, superseded: 0, supersededIds: [] });
    expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tupleId(ANNE)]);
    await service.revoke(ANNE.user, ANNE.relation, ANNE.object);
    expect(await service.flush()).toMatchObject({ deletes: 1, failed: 0 });
    expect(await readAllTuples(store.storeId)).toEqual([]);
    expect(await marks()).toEqual({});
  });

  it('marks only tuples with dead letters, and purging removes the marks', async () => {
    const { service } = open;
    await service.grant(BOB.user, BOB.relation, BOB.object);
    await service.flush();
    expect(await marks()).toEqual({}); // a written op of an unmarked tuple records nothing
    const first = await deadLetter('grant', ANNE);
    await deadLetter('revoke', ANNE);
    expect(Object.keys(await marks())).toEqual([tupleId(ANNE)]);
    expect(await service.purgeDeadLetters([first, first])).toBe(1);
    expect(Object.keys(await marks())).toEqual([tupleId(ANNE)]); // the revoke's dead letter remains
    expect(await service.purgeDeadLetters()).toBe(1);
    expect(await marks()).toEqual({});
    expect((await service.status()).deadLettered).toBe(0);
  });
});
