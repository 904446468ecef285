/**
 * Conditional tuples (OpenFGA ABAC conditions) on the real servers: a grant's
 * condition reaches OpenFGA through the buffer and write-through, a changed
 * condition replaces the old one (OpenFGA answers 409 to a plain re-write),
 * pending conditional grants are evaluated as contextual tuples, answers that
 * may depend on a condition are never cached, and bad conditions are refused
 * before anything is buffered.
 */
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import { CheckUnavailableError, InvalidTupleError, type OpenFgaModuleOptions, type TupleCondition } from '../../src';
import { FgaClient } from '../../src/client/fga-client';
import { serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { createStore, type TestStore } from '../support/harness/store';
import { PROJECT_ROOT } from '../support/harness/servers';

const MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'temporal-access.fga');
const ANNE = { user: 'user:anne', relation: 'viewer', object: 'document:plan' };
const region = (r: string, allowed = ['eu']): TupleCondition => ({ name: 'in_region', context: { region: r, allowed } });
const expiring = (duration: string, at = new Date()): TupleCondition => ({
  name: 'non_expired_grant',
  context: { grant_time: at.toISOString(), grant_duration: duration },
});

/** The tuple's condition in OpenFGA: undefined absent, null unconditional. */
async function storedCondition(storeId: string, t = ANNE): Promise<TupleCondition | null | undefined> {
  const client = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId });
  const { tuples } = await client.read(t);
  if (tuples.length === 0) return undefined;
  const c = tuples[0].key.condition;
  return c
    ? { name: c.name, ...(c.context && Object.keys(c.context).length ? { context: c.context as Record<string, unknown> } : {}) }
    : null;
}

async function open(overrides: Partial<OpenFgaModuleOptions> = {}): Promise<{ store: TestStore; fga: OpenService }> {
  const store = await createStore(serverEnv().apiUrl, `conditions-${Date.now() % 100000}`, MODEL);
  const fga = openService(testOptions(store, { changeFeed: { enabled: false }, ...overrides }));
  await fga.ready();
  return { store, fga };
}

/** Each transition of one tuple, ending with the new condition (or none) in OpenFGA. */
const TRANSITIONS: [string, TupleCondition | undefined][] = [
  ['unconditional', undefined],
  ['unconditional → conditional', region('eu')],
  ['another context', region('us', ['us'])],
  ['another condition', expiring('1h', new Date('2026-01-01T00:00:00Z'))],
  ['conditional → unconditional', undefined],
  ['unconditional → conditional again', region('eu')],
];

describe('conditional tuples on the real OpenFGA', () => {
  let fga: OpenService | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await fga?.close();
    fga = undefined;
  });

  it('buffers a grant with its condition and flushes it; each re-grant replaces the condition in OpenFGA (last op wins)', async () => {
    const opened = await open();
    fga = opened.fga;
    for (const [, condition] of TRANSITIONS) {
      await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, condition ? { condition } : undefined);
      const [pending] = await fga.service.getPendingOperations();
      expect(pending.condition).toEqual(condition);
      const result = await fga.service.flush();
      expect(result).toMatchObject({ failed: 0, deadLettered: 0 });
      expect(await storedCondition(opened.store.storeId)).toEqual(condition ?? null);
    }
    expect(await fga.service.getDeadLetters()).toEqual([]);
  });

  it('coalesces: the newest grant of a tuple wins with its condition, also within one grantMany', async () => {
    const opened = await open();
    fga = opened.fga;
    await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('eu') });
    await fga.service.grantMany([
      { ...ANNE, condition: region('fr', ['fr']) },
      { ...ANNE, relation: 'owner' },
      { ...ANNE, condition: region('us', ['us']) },
    ]);
    const pending = await fga.service.getPendingOperations();
    expect(pending.map((op) => [op.relation, op.condition])).toEqual([
      ['viewer', region('us', ['us'])],
      ['owner', undefined],
    ]);
    await fga.service.flush();
    expect(await storedCondition(opened.store.storeId)).toEqual(region('us', ['us']));
  });

  it('write-through mode (enabled: false) replaces the condition at each transition too', async () => {
    const opened = await open({ enabled: false });
    fga = opened.fga;
    for (const [, condition] of TRANSITIONS) {
      await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, condition ? { condition } : undefined);
      expect(await storedCondition(opened.store.storeId)).toEqual(condition ?? null);
    }
    await fga.service.revoke(ANNE.user, ANNE.relation, ANNE.object);
    expect(await storedCondition(opened.store.storeId)).toBeUndefined();
  });

  it('a flush that fails between the delete and the write of a replacement keeps the op, and the next flush lands the new condition', async () => {
    const opened = await open();
    fga = opened.fga;
    await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('eu') });
    await fga.service.flush();
    await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('us', ['us']) });
    const original = FgaClient.prototype.write;
    let deleted = false;
    jest.spyOn(FgaClient.prototype, 'write').mockImplementation(async function (this: FgaClient, writes, deletes, modelId) {
      if (deletes.length === 1 && writes.length === 0) deleted = true;
      else if (deleted && writes.length === 1) throw new Error('connection reset (crash between delete and write)');
      return original.call(this, writes, deletes, modelId);
    });
    const failed = await fga.service.flush();
    expect(failed.failed).toBe(1);
    // Deleted in OpenFGA, still pending here. A pending grant that sets a condition may narrow a stored tuple the
    // check cannot see, so it is written before an "allowed" is trusted: while it cannot be, the check fails closed.
    expect(await storedCondition(opened.store.storeId)).toBeUndefined();
    await expect(fga.service.check(ANNE.user, ANNE.relation, ANNE.object)).rejects.toThrow(CheckUnavailableError);
    jest.restoreAllMocks();
    for (let i = 0; i < 50 && (await storedCondition(opened.store.storeId)) === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await fga.service.flush();
    }
    expect(await storedCondition(opened.store.storeId)).toEqual(region('us', ['us']));
    expect((await fga.service.status()).pending.total + (await fga.service.status()).inFlight).toBe(0);
  });

  it('a pending conditional grant is sent with its condition: OpenFGA evaluates it; such answers are never cached', async () => {
    const opened = await open();
    fga = opened.fga;
    const sources: string[] = [];
    fga.service.events.on('checked', (e) => sources.push(e.source));
    await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('eu') });
    await fga.service.grant('user:bob', 'viewer', ANNE.object, { condition: region('us') });
    expect(await fga.service.check(ANNE.user, 'viewer', ANNE.object)).toBe(true);
    expect(await fga.service.check('user:bob', 'viewer', ANNE.object)).toBe(false);
    expect(await fga.service.check(ANNE.user, 'viewer', ANNE.object)).toBe(true);
    await fga.service.flush();
    expect(await fga.service.check(ANNE.user, 'viewer', ANNE.object)).toBe(true);
    expect(await fga.service.check(ANNE.user, 'viewer', ANNE.object)).toBe(true);
    expect(await fga.service.check('user:bob', 'viewer', ANNE.object)).toBe(false);
    // viewer reads conditional tuples: OpenFGA answered every time. editor does not: its second answer is cached.
    expect(sources).toEqual(Array(6).fill('openfga'));
    expect(await fga.service.check(ANNE.user, 'editor', ANNE.object)).toBe(false);
    expect(await fga.service.check(ANNE.user, 'editor', ANNE.object)).toBe(false);
    expect(sources.slice(6)).toEqual(['openfga', 'cache']);
  });

  it('a time-limited grant without the current time fails closed (never "allowed"), pending or written', async () => {
    const opened = await open();
    fga = opened.fga;
    await fga.service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: expiring('1h') });
    await expect(fga.service.check(ANNE.user, 'viewer', ANNE.object)).rejects.toBeInstanceOf(CheckUnavailableError);
    await fga.service.flush();
    await expect(fga.service.check(ANNE.user, 'viewer', ANNE.object)).rejects.toBeInstanceOf(CheckUnavailableError);
    // OpenFGA holds it with its condition: allowed before expiry, denied after (what a check with the time would see).
    const client = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: opened.store.storeId });
    const at = (ms: number) => client.check({ ...ANNE, context: { current_time: new Date(Date.now() + ms).toISOString() } });
    expect((await at(0)).allowed).toBe(true);
    expect((await at(2 * 3600_000)).allowed).toBe(false);
  });

  it('refuses conditions the model does not accept, naming the field, and buffers nothing', async () => {
    const opened = await open();
    fga = opened.fga;
    const s = fga.service;
    const refused = async (call: Promise<unknown>, field: string) => {
      const err = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidTupleError);
      expect(err).toMatchObject({ field });
    };
    await refused(s.grant(ANNE.user, 'viewer', ANNE.object, { condition: { name: 'nope' } }), 'condition.name');
    await refused(
      s.grantMany([ANNE, { ...ANNE, user: 'user:bob', condition: { name: 'in_region', context: { zone: 'x' } } }]),
      'tuples[1].condition.context.zone',
    );
    await refused(
      s.grant(ANNE.user, 'viewer', ANNE.object, { condition: { name: 'in_region', context: { region: 5 } } }),
      'condition.context.region',
    );
    await refused(s.grant(ANNE.user, 'editor', ANNE.object, { condition: region('eu') }), 'condition');
    await refused(s.grant('group:g#member', 'viewer', ANNE.object, { condition: region('eu') }), 'condition');
    await refused(
      s.grant(ANNE.user, 'viewer', ANNE.object, { condition: { name: 'in_region', context: { f: () => 1 } } as never }),
      'condition.context.f',
    );
    await refused(s.revokeMany([{ ...ANNE, condition: region('eu') } as never]), 'tuples[0].condition');
    await refused(
      (s.revoke as (...a: unknown[]) => Promise<unknown>)(ANNE.user, 'viewer', ANNE.object, { condition: region('eu') }),
      'condition',
    );
    await refused(s.grant(ANNE.user, 'viewer', ANNE.object, { expires: 1 } as never), 'options.expires');
    // A "__proto__" key (as a JSON body parses it) is a parameter the condition lacks, not a prototype to drop silently.
    const smuggled = JSON.parse('{"region": "eu", "allowed": ["eu"], "__proto__": {"region": "us"}}') as Record<string, unknown>;
    await refused(
      s.grant(ANNE.user, 'viewer', ANNE.object, { condition: { name: 'in_region', context: smuggled } }),
      'condition.context.__proto__',
    );
    expect(await s.getPendingOperations()).toEqual([]);
  });

  // `grant` refuses such a context now (see the contract); a process that could not read the model, or of an
  // earlier version, still buffers it: written here through the buffer itself.
  const unreadable: TupleCondition = { name: 'non_expired_grant', context: { grant_time: 'not a time', grant_duration: '1h' } };

  it('a condition OpenFGA rejects at flush is dead-lettered with it, and a retry requeues it with its condition', async () => {
    const opened = await open();
    fga = opened.fga;
    await fga.ready();
    await fga.core.buffer.enqueue([{ kind: 'grant', ...ANNE, condition: unreadable }]);
    await fga.service.grant('user:bob', 'viewer', ANNE.object, { condition: region('eu') });
    const result = await fga.service.flush();
    expect(result.deadLettered).toBe(1);
    const [letter] = await fga.service.getDeadLetters();
    expect(letter.operation).toMatchObject({ ...ANNE, kind: 'grant', condition: unreadable });
    expect(letter.reason).toMatch(/failed to convert context parameter 'grant_time'/);
    expect(await storedCondition(opened.store.storeId, { ...ANNE, user: 'user:bob' })).toEqual(region('eu'));
    expect(await fga.service.retryDeadLetters()).toMatchObject({ requeued: 1 });
    const [pending] = await fga.service.getPendingOperations();
    expect(pending).toMatchObject({ ...ANNE, condition: unreadable });
  });

  it('a check reaching a pending grant whose context its parameter type cannot take dead-letters it, then answers', async () => {
    const opened = await open();
    fga = opened.fga;
    await fga.ready();
    await fga.core.buffer.enqueue([{ kind: 'grant', ...ANNE, condition: unreadable }]);
    expect(await fga.service.check(ANNE.user, ANNE.relation, ANNE.object, { context: { current_time: '2026-01-01T00:30:00Z' } })).toBe(
      false,
    );
    expect(await fga.service.getPendingOperations()).toEqual([]);
    const letters = await fga.service.getDeadLetters();
    expect(letters).toMatchObject([{ operation: { kind: 'grant', ...ANNE, condition: unreadable } }]);
    expect(letters[0].reason).toContain("failed to convert context parameter 'grant_time'");
  });

  it("a batch whose flusher died returns with its condition, and a stale writer's late write is corrected to the newest condition", async () => {
    const opened = await open({ requestTimeout: 1 }); // a short grace before an expired lease is taken back
    fga = opened.fga;
    const { core, service } = fga;
    const key = 'user:anne viewer document:plan';
    await service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('eu') });
    const stale = await core.buffer.claim(10, 100); // this writer stalls, holding the grant
    expect(stale?.operations).toMatchObject([{ key, condition: region('eu') }]);
    await new Promise((r) => setTimeout(r, 150 + core.buffer.graceMs));
    // Another process takes the expired batch back (with its condition) and writes it; then a newer grant changes the condition.
    expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect(await storedCondition(opened.store.storeId)).toEqual(region('eu'));
    await service.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: region('us', ['us']) });
    expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect(await storedCondition(opened.store.storeId)).toEqual(region('us', ['us']));
    // The stalled writer wakes up and writes its old condition over the new one (a replacement: delete, then write).
    const late = await core.writer.write(stale!.operations);
    expect(late.written).toHaveLength(1);
    expect(await storedCondition(opened.store.storeId)).toEqual(region('eu'));
    // Its settle finds the batch gone: it re-asserts, which queues the newest op with its condition.
    expect(await core.buffer.settle(stale!.id, { acked: [key], dead: [], retryAt: 0 })).toBe(-1);
    expect(await core.buffer.reassert(late.written)).toEqual({ queued: 1, unknown: 0 });
    expect(await service.getPendingOperations()).toMatchObject([{ key, condition: region('us', ['us']) }]);
    await service.flush();
    expect(await storedCondition(opened.store.storeId)).toEqual(region('us', ['us']));
  });
});
