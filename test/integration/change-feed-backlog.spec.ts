/**
 * A change-feed backlog larger than one poll's page budget (50 pages): the feed polls again at once
 * instead of an interval later, and `lagMs` is not reset by a poll that stopped before the end.
 */
import { OpenFgaClient } from '@openfga/sdk';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService } from '../support/harness/service';
import { makePoller } from '../support/state/feed';

jest.setTimeout(60_000);

it("a backlog beyond one poll's pages is read on at once, and a partial poll leaves lagMs growing", async () => {
  const store = await freshStore('feed-backlog');
  const open = openService(testOptions(store));
  try {
    await open.ready();
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId, authorizationModelId: store.modelId });
    // 50 pages of 2: 100 changes per poll; an interval far longer than the wait below.
    const poller = makePoller(open.core, 30_000, [undefined], 2);
    await poller.pollOnce(); // read to its end
    await new Promise((r) => setTimeout(r, 500));
    const last = { user: 'user:last', relation: 'viewer', object: 'document:z' };
    expect(await open.service.check(last.user, last.relation, last.object)).toBe(false); // cached "denied"
    for (let i = 0; i < 5; i++) {
      await sdk.writeTuples(Array.from({ length: 50 }, (_, j) => ({ user: `user:u${i}_${j}`, relation: 'viewer', object: 'document:m' })));
    }
    await sdk.writeTuples([last]);
    await poller.pollOnce(); // 100 of 251 changes
    expect((await poller.status()).lagMs).toBeGreaterThanOrEqual(500);
    poller.start(); // a first poll at once; then at once again while behind (without that: 30 s later)
    const until = Date.now() + 15_000;
    let seen = false;
    while (!seen && Date.now() < until) {
      seen = await open.service.check(last.user, last.relation, last.object);
      if (!seen) await new Promise((r) => setTimeout(r, 50));
    }
    await poller.stop();
    expect(seen).toBe(true);
    expect((await poller.status()).lagMs).toBeLessThan(15_000);
  } finally {
    await open.close();
  }
});
