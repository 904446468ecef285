/**
 * batchCheck on the real servers (issue 14): one cache read and one OpenFGA
 * BatchCheck request for a batch of cold checks (chunks of 50), none for a
 * warm batch, each miss with its own pending grants, the single check's
 * rules for pending revokes, and fail closed per item within checkTimeout.
 */
import { CheckUnavailableError } from '../../src';
import type { OpenFgaEventMap, Tuple } from '../../src';
import { startSwitchableProxy } from '../support/faults/switchable-proxy';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

const tuple = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });

describe('batchCheck', () => {
  let store: TestStore;
  let open: OpenService;
  let requests: OpenFgaEventMap['request'][];
  beforeEach(async () => {
    store = await freshStore('batch-check');
    open = openService(testOptions(store));
    await open.ready();
    requests = [];
    open.service.events.on('request', (r) => requests.push(r));
  });
  afterEach(() => open.close());
  const apis = () => requests.map((r) => r.api);

  it('asks OpenFGA once for 50 cold checks (each with its own pending grants), and not at all once they are cached', async () => {
    const items = Array.from({ length: 50 }, (_, i) => tuple(`user:u${i}`, 'viewer', `document:d${i % 7}`));
    await open.service.grantMany(items.filter((_, i) => i % 2 === 0).slice(0, 10)); // flushed
    await open.service.flush();
    await open.service.grantMany(items.filter((_, i) => i % 5 === 1)); // pending: contextual tuples of their own checks
    requests = [];
    const expected = items.map((_, i) => (i % 2 === 0 && i < 20) || i % 5 === 1);
    expect((await open.service.batchCheck(items)).map((a) => a.allowed)).toEqual(expected);
    expect(apis()).toEqual(['batchCheck']);
    requests = [];
    expect((await open.service.batchCheck(items)).map((a) => a.allowed)).toEqual(expected);
    expect(apis()).toEqual([]);
    // The same answers as one check at a time.
    for (const [i, t] of items.entries()) expect([i, await open.service.check(t.user, t.relation, t.object)]).toEqual([i, expected[i]]);
  });

  it('splits a batch larger than OpenFGA takes into chunks of 50', async () => {
    const items = Array.from({ length: 120 }, (_, i) => tuple(`user:u${i}`, 'viewer', 'document:big'));
    await open.service.grantMany(items.filter((_, i) => i % 4 === 0));
    await open.service.flush();
    requests = [];
    expect((await open.service.batchCheck(items)).map((a) => a.allowed)).toEqual(items.map((_, i) => i % 4 === 0));
    expect(
      requests
        .filter((r) => r.api === 'batchCheck')
        .map((r) => r.tuples)
        .sort(),
    ).toEqual([20, 50, 50]);
  });

  it('writes a pending revoke that could turn an "allowed" first (that item alone), caches nothing under it, and leaves the rest pending', async () => {
    const [a, b, c] = [
      tuple('user:a', 'viewer', 'document:1'),
      tuple('user:b', 'viewer', 'document:2'),
      tuple('user:c', 'member', 'group:g'),
    ];
    await open.service.grantMany([a, b, c, tuple('group:g#member', 'viewer', 'document:3')]);
    await open.service.flush();
    await open.service.revoke(a.user, a.relation, a.object);
    await open.service.revoke(c.user, c.relation, c.object); // turns user:c viewer document:3
    await open.service.grant('user:z', 'owner', 'document:99');
    const answers = await open.service.batchCheck([a, b, tuple('user:c', 'viewer', 'document:3')]);
    expect(answers.map((x) => x.allowed)).toEqual([false, true, false]);
    expect((await open.service.getPendingOperations()).map((o) => o.key)).toEqual(['user:z owner document:99']);
  });

  it('fails closed per item within checkTimeout when OpenFGA is unreachable, and rejects nothing', async () => {
    const down = openService(testOptions(store, { apiUrl: 'http://127.0.0.1:9', checkTimeout: 1, requestTimeout: 0.5 }));
    try {
      await down.ready();
      const started = Date.now();
      const answers = await down.service.batchCheck([tuple('user:a', 'viewer', 'document:1'), tuple('user:b', 'viewer', 'document:2')]);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(answers.map((x) => [x.allowed, x.error instanceof CheckUnavailableError])).toEqual([
        [false, true],
        [false, true],
      ]);
    } finally {
      await down.close();
    }
  });

  it('answers within checkTimeout when OpenFGA answers too late: cached items answered, the rest fail closed', async () => {
    const proxy = await startSwitchableProxy(serverEnv().apiUrl);
    // requestTimeout longer than checkTimeout: the bound is the check's, not the HTTP client's.
    const held = openService(testOptions(store, { apiUrl: proxy.url, checkTimeout: 1, requestTimeout: 10 }));
    try {
      await held.ready();
      const warm = tuple('user:w', 'viewer', 'document:w');
      await held.service.grant(warm.user, warm.relation, warm.object);
      await held.service.flush();
      expect((await held.service.batchCheck([warm])).map((a) => a.allowed)).toEqual([true]); // cached now
      proxy.responseDelayMs = 1_500; // OpenFGA's answers arrive long after checkTimeout (on kept-alive connections too)
      const started = Date.now();
      const answers = await held.service.batchCheck([warm, tuple('user:cold', 'viewer', 'document:w')]);
      const took = Date.now() - started;
      expect(answers.map((a) => [a.allowed, a.error?.constructor.name])).toEqual([
        [true, undefined],
        [false, 'CheckUnavailableError'],
      ]);
      expect(answers[1].error?.message).toMatch(/checkTimeout/);
      expect(took).toBeLessThan(3_000);
    } finally {
      // Let the late answer arrive, so no request outlives the test.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      proxy.responseDelayMs = 0;
      await held.close();
      await proxy.close();
    }
  });
});
