/**
 * Against an OpenFGA run with its check query cache on (3 s), which answers MINIMIZE_LATENCY requests from
 * before a write: after any write reached OpenFGA (the module's flush, or an external write the change feed
 * applied) the module's cache misses ask with HIGHER_CONSISTENCY for revokeConsistencyWindow, so neither a
 * stale "denied" (a grant) nor a stale "allowed" (a `but not` grant) is answered or cached.
 */
import { join } from 'node:path';
import { ConsistencyPreference, OpenFgaClient } from '@openfga/sdk';
import { testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { createStore } from '../support/harness/store';
import { PROJECT_ROOT, RunningOpenFga, startOpenFga } from '../support/harness/servers';

describe('OpenFGA with its check query cache on', () => {
  let fga: RunningOpenFga;
  const opened: OpenService[] = [];
  beforeAll(async () => {
    fga = await startOpenFga({ args: ['--check-query-cache-enabled', '--check-query-cache-ttl', '3s'] });
  });
  afterAll(async () => {
    for (const o of opened) await o.close();
    await fga.stop();
  });

  /** A fresh store on this OpenFGA (model.fga unless `model` is given), an SDK client on it, and how to open the module there. */
  async function onCachedFga(name: string, model?: string) {
    const store = await createStore(fga.apiUrl, `${name}-${Date.now()}`, model);
    const sdk = new OpenFgaClient({ apiUrl: fga.apiUrl, storeId: store.storeId, authorizationModelId: store.modelId });
    const open = async (): Promise<OpenService> => {
      const o = openService({ ...testOptions(store), apiUrl: fga.apiUrl });
      opened.push(o);
      await o.ready();
      return o;
    };
    return { sdk, open };
  }

  it('an external grant on a `but not` subtracted side applied by the change feed: no stale "allowed"', async () => {
    const fixture = await onCachedFga('x', join(PROJECT_ROOT, 'test', 'fixtures', 'exclusion.fga'));
    const { sdk } = fixture;
    await sdk.writeTuples([{ user: 'user:*', relation: 'viewer', object: 'document:1' }]);
    const open = await fixture.open();
    await open.core.changeFeed.pollOnce();
    expect(await open.service.check('user:bob', 'viewer', 'document:1')).toBe(true); // cached here and in OpenFGA
    await sdk.writeTuples([{ user: 'user:bob', relation: 'blocked', object: 'document:1' }]); // outside the module
    await open.core.changeFeed.pollOnce();
    const truth = (
      await sdk.check(
        { user: 'user:bob', relation: 'viewer', object: 'document:1' },
        { consistency: ConsistencyPreference.HigherConsistency },
      )
    ).allowed;
    expect(truth).toBe(false);
    expect(await open.service.check('user:bob', 'viewer', 'document:1')).toBe(false);
  });

  it('an external plain grant applied by the change feed: no stale "denied"', async () => {
    const fixture = await onCachedFga('g');
    const { sdk } = fixture;
    const open = await fixture.open();
    await open.core.changeFeed.pollOnce();
    expect(await open.service.check('user:a', 'viewer', 'document:1')).toBe(false);
    await sdk.writeTuples([{ user: 'user:a', relation: 'viewer', object: 'document:1' }]);
    await open.core.changeFeed.pollOnce();
    const first = await open.service.check('user:a', 'viewer', 'document:1');
    // OpenFGA's own cache entry (3 s) is gone: OpenFGA itself now answers "allowed" at MINIMIZE_LATENCY...
    await new Promise((r) => setTimeout(r, 4000));
    expect((await sdk.check({ user: 'user:a', relation: 'viewer', object: 'document:1' })).allowed).toBe(true);
    // ...the module, 4 s after its feed applied the grant, must too.
    const later = await open.service.check('user:a', 'viewer', 'document:1');
    expect({ first, later }).toEqual({ first: true, later: true });
  });

  it("a module grant checked only after its flush is allowed, then and after OpenFGA's cache entry expired", async () => {
    const fixture = await onCachedFga('m');
    const { sdk } = fixture;
    const open = await fixture.open();
    expect((await sdk.check({ user: 'user:a', relation: 'viewer', object: 'document:1' })).allowed).toBe(false); // OpenFGA caches "denied"
    await open.service.grant('user:a', 'viewer', 'document:1');
    await open.service.flush();
    const first = await open.service.check('user:a', 'viewer', 'document:1');
    await new Promise((r) => setTimeout(r, 4000));
    const later = await open.service.check('user:a', 'viewer', 'document:1');
    expect({ first, later }).toEqual({ first: true, later: true });
  });
});
