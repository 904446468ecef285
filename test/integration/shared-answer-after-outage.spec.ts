/**
 * Found by the read explorer (issue 21): identical checks share one OpenFGA
 * call, kept joinable for a moment after it settles. A call that failed
 * during an outage must not be shared: a check started once OpenFGA is back
 * answers, it does not fail with the outage's error.
 */
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService } from '../support/harness/service';
import { startFaultProxy } from '../support/faults/fault-proxy';

describe('a failed OpenFGA call is not shared with checks started after it', () => {
  it('answers a check started right after OpenFGA came back', async () => {
    const store = await freshStore('shared-after-outage');
    const target = new URL(serverEnv().apiUrl);
    const proxy = await startFaultProxy(target.hostname, Number(target.port));
    const s = openService(testOptions(store, { apiUrl: proxy.url, requestTimeout: 1, leaseTtl: 2 }));
    try {
      await s.ready();
      await s.service.grant('user:anne', 'viewer', 'document:1');
      await s.service.flush();
      proxy.refuse();
      await expect(s.service.check('user:anne', 'viewer', 'document:1')).rejects.toThrow(/ECONNRESET|socket hang up/); // the proxy cuts the connection
      proxy.heal();
      expect(await s.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
    } finally {
      await s.close();
      await proxy.close();
    }
  });
});
