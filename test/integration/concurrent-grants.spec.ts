/**
 * Concurrent grants and revokes from one process share enqueue script calls
 * (buffer/coalesced-enqueue.ts), on the real Redis (standalone and the
 * Cluster): many callers in flight cost fewer script calls than callers,
 * each caller's token reads its own write, ops on one tuple issued in order
 * keep that order (the last wins), and everything reaches OpenFGA.
 */
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { commandCalls } from '../support/state/command-stats';
import { readAllTuples } from '../support/state/fga-state';

describe('concurrent grants share script calls', () => {
  let s: OpenService;
  beforeEach(async () => {
    s = openService(testOptions(await freshStore('concurrent')));
    await s.ready();
  });
  afterEach(async () => {
    await s.close();
  });

  it('200 grants in flight: fewer script calls than grants, each token reads its write, all flushed', async () => {
    const n = 200;
    const before = await commandCalls(s.core.redis, 'evalsha');
    const tokens = await Promise.all(Array.from({ length: n }, (_, i) => s.service.grant(`user:u${i}`, 'viewer', `document:d${i}`)));
    const calls = (await commandCalls(s.core.redis, 'evalsha')) - before;
    // A lone call goes at once and those meanwhile share the next: a handful of script calls, not 200.
    expect(calls).toBeLessThan(n / 4);
    expect((await s.service.status()).pending.total).toBe(n);
    const answers = await Promise.all(
      tokens.map((token, i) => s.service.check(`user:u${i}`, 'viewer', `document:d${i}`, { consistency: 'at-least-as-fresh', token })),
    );
    expect(answers.every(Boolean)).toBe(true);
    await s.service.flush();
    expect(await readAllTuples(s.core.options.storeId)).toHaveLength(n);
  });

  it('ops on one tuple issued in order keep it: the last wins, for every tuple', async () => {
    // A revoke takes fewer steps than a grant before the buffer (no model check), so the order is revoke
    // first: the grant issued after it must win, whatever group each one lands in.
    const n = 50;
    await Promise.all(
      Array.from({ length: n }, (_, i) => [
        s.service.revoke(`user:u${i}`, 'viewer', `document:d${i}`),
        s.service.grant(`user:u${i}`, 'viewer', `document:d${i}`),
        s.service.revoke(`user:v${i}`, 'viewer', `document:d${i}`),
      ]).flat(),
    );
    const pending = await s.service.getPendingOperations(1000);
    expect(pending.filter((op) => op.kind === 'grant').map((op) => op.user.startsWith('user:u'))).toEqual(Array(n).fill(true));
    expect(pending.filter((op) => op.kind === 'revoke').map((op) => op.user.startsWith('user:v'))).toEqual(Array(n).fill(true));
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.service.check(`user:u${i}`, 'viewer', `document:d${i}`)));
    expect(answers.every(Boolean)).toBe(true);
    await s.service.flush();
    expect((await readAllTuples(s.core.options.storeId)).map((t) => t.user).sort()).toEqual(
      Array.from({ length: n }, (_, i) => `user:u${i}`).sort(),
    );
  });
});
