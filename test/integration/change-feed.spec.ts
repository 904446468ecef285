/**
 * Change-feed invalidation on the real servers (issue: consistency): writes
 * made outside the module reach the cache within the poll interval; one
 * process polls at a time; a killed poller is replaced and its successor
 * resumes from the checkpoint.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { killAllChildren, startChild } from '../support/processes/child-process';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { makePoller } from '../support/state/feed';
import { freePort } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';

async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

describe('change feed', () => {
  let store: TestStore;
  let open: OpenService;
  let sdk: OpenFgaClient;
  beforeEach(async () => {
    store = await freshStore('feed');
    open = openService(testOptions(store));
    sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
  });
  afterEach(async () => {
    killAllChildren();
    await open.close();
  });

  it('a tuple written directly with the SDK is seen by check within the poll interval', async () => {
    const poller = makePoller(open.core, 200);
    await poller.pollOnce(); // cursor starts now
    expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(false); // cached denial
    await sdk.writeTuples([{ user: 'user:a', relation: 'owner', object: 'document:1' }]);
    expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(false); // still the cached answer
    poller.start();
    try {
      const took = await eventually(() => open.service.check('user:a', 'viewer', 'document:1'));
      expect(took).toBeLessThan(2000);
      const status = await poller.status();
      expect(status.polling).toBe(true);
      expect(status.newestChangeAt).toBeGreaterThan(Date.now() - 60_000);
      expect(status.lagMs).toBeLessThan(2000);
    } finally {
      await poller.stop();
    }
  });

  it('a direct delete invalidates cached "allowed" answers, also derived ones', async () => {
    await sdk.writeTuples([
      { user: 'user:a', relation: 'member', object: 'group:g' },
      { user: 'group:g#member', relation: 'viewer', object: 'document:1' },
    ]);
    const poller = makePoller(open.core, 200);
    await poller.pollOnce();
    expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(true); // cached
    await sdk.deleteTuples([{ user: 'user:a', relation: 'member', object: 'group:g' }]);
    expect(await poller.pollOnce()).toBe(1);
    expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(false);
  });

  it('only one process polls at a time', async () => {
    const pollers = [makePoller(open.core), makePoller(open.core), makePoller(open.core)];
    await sdk.writeTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
    for (const p of pollers) await p.pollOnce();
    const holding = await Promise.all(pollers.map(async (p) => (await p.status()).polling));
    expect(holding.filter(Boolean)).toHaveLength(1);
    await Promise.all(pollers.map((p) => p.stop()));
    // Released on stop: the next one takes over at once.
    await pollers[1].pollOnce();
    expect((await pollers[1].status()).polling).toBe(true);
    await pollers[1].stop();
  });

  it('stop() waits for the poll under way: no page is read after it, and the next process takes the lease at once', async () => {
    const poller = makePoller(open.core, 10_000, [undefined], 1); // one change a page: a poll of many requests
    await poller.pollOnce(); // the cursor starts a minute back
    await sdk.writeTuples(Array.from({ length: 30 }, (_, i) => ({ user: `user:p${i}`, relation: 'viewer', object: 'document:1' })));
    const reads = jest.spyOn(open.core.client, 'readChanges');
    poller.start();
    await eventually(async () => reads.mock.calls.length >= 2);
    await poller.stop();
    const atStop = reads.mock.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    // Before, stop() returned while the poll read on, past the close of the core's connections.
    expect(reads.mock.calls.length).toBe(atStop);
    expect(atStop).toBeLessThan(31);
    const next = makePoller(open.core);
    await next.pollOnce();
    expect((await next.status()).polling).toBe(true);
    await next.stop();
  });

  it('a killed poller is replaced, and its successor resumes from the checkpoint', async () => {
    const child = startChild('feed-process.ts', open.core.options);
    await child.waitFor((e) => e.event === 'polling');
    const standby = makePoller(open.core, 100);
    await standby.pollOnce();
    expect((await standby.status()).polling).toBe(false); // the child holds the lease
    expect(await open.service.check('user:b', 'viewer', 'document:2')).toBe(false);
    child.process.kill('SIGKILL');
    await child.exited;
    // Written while nobody polls: the successor must still apply it (checkpoint, not "now").
    await sdk.writeTuples([{ user: 'user:b', relation: 'viewer', object: 'document:2' }]);
    standby.start();
    try {
      await eventually(async () => (await standby.status()).polling, 5000);
      await eventually(() => open.service.check('user:b', 'viewer', 'document:2'), 5000);
    } finally {
      await standby.stop();
    }
  });

  it('backs off on errors and reports a growing lag instead of crashing', async () => {
    const down = openService(testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}`, requestTimeout: 0.5 }));
    try {
      const poller = makePoller(down.core, 50);
      await expect(poller.pollOnce()).rejects.toThrow();
      poller.start();
      await new Promise((r) => setTimeout(r, 400));
      await poller.stop();
      expect((await poller.status()).lagMs).toBeNull(); // never caught up: no lag figure pretends otherwise
    } finally {
      await down.close();
    }
  });
});
