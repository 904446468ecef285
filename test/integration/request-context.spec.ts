/**
 * Request-time context and caller contextual tuples on the real servers
 * (issue 14), with a condition in the model (test/fixtures/request-context.fga:
 * `viewer: [user with same_region]`, allowed when the request's `region`
 * equals the tuple's `home`). Conditional tuples are written with the SDK:
 * the module's own grants carry no condition. An answer computed with a
 * context or caller tuples is never cached, never served from the cache and
 * never shared with a call asking something else.
 */
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import type { Tuple } from '../../src';
import { serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService, scoped } from '../support/harness/service';
import { PROJECT_ROOT } from '../support/harness/servers';
import { createStore, TestStore } from '../support/harness/store';

const MODEL = join(PROJECT_ROOT, 'test', 'fixtures', 'request-context.fga');
const DOC = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const EU = { region: 'eu' };
const US = { region: 'us' };

describe('check with a request-time context and caller contextual tuples', () => {
  let store: TestStore;
  let open: OpenService;
  beforeEach(async () => {
    store = await createStore(serverEnv().apiUrl, `request-context-${Date.now()}`, MODEL);
    open = openService(testOptions(store));
    await open.ready();
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId, authorizationModelId: store.modelId });
    await sdk.writeTuples([{ ...DOC, condition: { name: 'same_region', context: { home: 'eu' } } }]);
  });
  afterEach(() => open.close());
  const check = (t: Tuple, context?: Record<string, unknown>) =>
    open.service.check(t.user, t.relation, t.object, context ? { context } : {});
  const cached = async (t: Tuple) => (await open.core.read.lookup(...scoped(open, t))).source;

  it('same tuple: context A allowed, context B denied, in any order, never a cached cross-context answer', async () => {
    const sequence = [EU, US, US, EU, EU, US, EU, US, US, US, EU];
    const answers: boolean[] = [];
    for (const context of sequence) answers.push(await check(DOC, context));
    expect(answers).toEqual(sequence.map((c) => c === EU));
    // Concurrent, interleaved: single flight never lets one context join the other's OpenFGA call.
    const burst = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? US : EU));
    expect(await Promise.all(burst.map((c) => check(DOC, c)))).toEqual(burst.map((c) => c === EU));
    expect(await cached(DOC)).toBe('miss');
  });

  it('an answer with a context is not served to a plain check, and a plain check without the parameter never allows', async () => {
    expect(await check(DOC, EU)).toBe(true);
    // OpenFGA cannot evaluate the condition without `region`: no "allowed" either way.
    const plain = await open.service.check(DOC.user, DOC.relation, DOC.object).catch(() => 'unavailable');
    expect(plain).not.toBe(true);
    expect(await check(DOC, US)).toBe(false);
    expect(await check(DOC, EU)).toBe(true);
  });

  it('caller contextual tuples grant access that is not cached for the next plain check', async () => {
    // `reader` reads no conditional tuple, so its plain answers are cached (a `viewer` answer never is).
    const bob = { user: 'user:bob', relation: 'reader', object: 'document:2' };
    const via = [
      { user: 'user:bob', relation: 'member', object: 'group:g' },
      { user: 'group:g#member', relation: 'reader', object: 'document:2' },
    ];
    expect(await open.service.check(bob.user, bob.relation, bob.object, { contextualTuples: via })).toBe(true);
    expect(await cached(bob)).toBe('miss');
    expect(await open.service.check(bob.user, bob.relation, bob.object)).toBe(false);
    expect(await cached(bob)).toBe('cache'); // the plain answer is cached as usual...
    expect(await open.service.check(bob.user, bob.relation, bob.object, { contextualTuples: via })).toBe(true); // ...and never served here
    // A conditional caller tuple is evaluated with the request's context.
    const viewer = { ...bob, relation: 'viewer' };
    const conditional = [{ ...viewer, condition: { name: 'same_region', context: { home: 'us' } } }];
    expect(await open.service.check(viewer.user, viewer.relation, viewer.object, { contextualTuples: conditional, context: US })).toBe(
      true,
    );
    expect(await open.service.check(viewer.user, viewer.relation, viewer.object, { contextualTuples: conditional, context: EU })).toBe(
      false,
    );
    // `viewer` reads conditional tuples: even its plain answer is never cached.
    expect(await open.service.check(viewer.user, viewer.relation, viewer.object)).toBe(false);
    expect(await cached(viewer)).toBe('miss');
  });

  it('pending grants travel beside caller tuples; when both exceed 100 the relevant pending ones are written first', async () => {
    const doc = 'document:7';
    const pending = Array.from({ length: 95 }, (_, i) => ({ user: `user:p${i}`, relation: 'viewer', object: doc }));
    await open.service.grantMany(pending);
    await open.service.grant('user:erin', 'editor', 'document:99'); // not part of the answer: stays pending
    const callers = Array.from({ length: 10 }, (_, i) => ({ user: `user:c${i}`, relation: 'viewer', object: doc }));
    expect(await open.service.check('user:c3', 'viewer', doc, { contextualTuples: callers })).toBe(true);
    expect(await open.service.check('user:p7', 'viewer', doc, { contextualTuples: callers })).toBe(true);
    expect((await open.service.getPendingOperations()).map((o) => o.key)).toEqual(['user:erin editor document:99']);
    // Few enough to fit: sent as contextual tuples, nothing written.
    await open.service.grant('user:p100', 'viewer', doc);
    expect(await open.service.check('user:p100', 'viewer', doc, { contextualTuples: callers })).toBe(true);
    expect((await open.service.getPendingOperations()).length).toBe(2);
  });

  it('batchCheck: per-item contexts on one tuple answer each its own, and nothing is cached', async () => {
    const items = [EU, US, EU, US].map((context, i) => ({ ...DOC, context, correlationId: `c${i}` }));
    const answers = await open.service.batchCheck(items);
    expect(answers.map((a) => [a.correlationId, a.allowed])).toEqual([
      ['c0', true],
      ['c1', false],
      ['c2', true],
      ['c3', false],
    ]);
    expect(await cached(DOC)).toBe('miss');
  });
});
