/**
 * `tuples import --wait` (src/import/import-wait.ts) on the real servers: it waits for what was
 * buffered up to the moment it began, not for an empty buffer, so it ends under a steady stream of
 * other writes; it reports the import's operations that another process's flusher dead-lettered,
 * and ignores dead letters from before the import; a clear during the wait is reported.
 */
import type { Tuple } from '../../src';
import { waitForImport } from '../../src/import/import-wait';
import { moduleImportWaitTarget } from '../../src/import/module-import-target';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { readAllTuples, tupleId } from '../support/state/fga-state';

jest.setTimeout(90_000);

const doc = (prefix: string, n: number): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:${prefix}${i}`, relation: 'viewer', object: `document:${prefix}${i}` }));

describe('import --wait', () => {
  let store: TestStore;
  let importer: OpenService;
  let app: OpenService;
  beforeEach(async () => {
    store = await freshStore('import-wait');
    // The bin's connection and an app's: the same store and buffer (prefix), no background flush.
    const options = testOptions(store, { autoFlush: false, changeFeed: { enabled: false } });
    importer = openService(options);
    app = openService({ ...options });
    await Promise.all([importer.ready(), app.ready()]);
  });
  afterEach(() => Promise.all([importer.close(), app.close()]));

  const target = () => moduleImportWaitTarget(importer.service, importer.core);
  const clears = async () => Number((await importer.core.redis.hget(importer.core.buffer.keys.count, 'cleared')) ?? 0);

  it('ends once the import is written while other writes keep arriving (the buffer is never empty)', async () => {
    const after = (await importer.core.buffer.positions()).latest;
    const imported = doc('imp', 300);
    await importer.service.grantMany(imported);
    let streaming = true;
    let streamed = 0;
    let outstandingSeen = 0;
    // The app grants ten tuples a millisecond or so throughout the wait, and 15 s at most.
    const stream = (async () => {
      const until = Date.now() + 15_000;
      while (streaming && Date.now() < until) {
        await app.service.grantMany(doc(`live${streamed}-`, 10));
        streamed++;
        await new Promise((r) => setTimeout(r, 1));
      }
      return Date.now() < until;
    })();
    const outcome = await waitForImport(target(), {
      after,
      clears: await clears(),
      onProgress: (n) => {
        outstandingSeen = Math.max(outstandingSeen, n);
      },
    });
    const streamStillRunning = streaming;
    streaming = false;
    expect(await stream).toBe(true); // stopped by the wait's end, not by its 15 s bound
    expect(streamStillRunning).toBe(true);
    expect(outcome).toMatchObject({ status: 'written' });
    const inFga = new Set((await readAllTuples(store.storeId)).map(tupleId));
    expect(imported.filter((t) => !inFga.has(tupleId(t)))).toEqual([]);
    expect(outstandingSeen).toBeGreaterThan(0);
    expect(streamed).toBeGreaterThan(0);
  });

  it("reports the import's operations another process dead-lettered, and not the dead letters from before it", async () => {
    // A dead letter from before the import: not the import's.
    await app.service.grant('user:old', 'viewer', 'document:old');
    const old = await app.core.buffer.claim(100, 10_000);
    await app.core.buffer.settle(old!.id, { acked: [], dead: [{ key: 'user:old viewer document:old', reason: 'rejected' }], retryAt: 0 });

    const after = (await importer.core.buffer.positions()).latest;
    const imported = doc('dl', 3);
    await importer.service.grantMany(imported);
    // The app's flusher takes the import's batch and OpenFGA refuses two of its tuples.
    const batch = await app.core.buffer.claim(100, 10_000);
    expect(batch?.operations).toHaveLength(3);
    const waiting = waitForImport(target(), { after, clears: await clears() });
    await new Promise((r) => setTimeout(r, 300)); // the wait polls behind the held batch
    await app.core.buffer.settle(batch!.id, {
      acked: [tupleId(imported[0])],
      dead: [tupleId(imported[1]), tupleId(imported[2])].map((key) => ({ key, reason: 'rejected' })),
      retryAt: 0,
    });
    expect(await waiting).toEqual({ status: 'failed', failed: 0, deadLettered: 2 });

    // The same wait over a span without dead letters: written, though the older dead letter is still there.
    const later = (await importer.core.buffer.positions()).latest;
    await importer.service.grantMany(doc('ok', 2));
    expect(await waitForImport(target(), { after: later, clears: await clears() })).toMatchObject({ status: 'written' });
    expect(await importer.service.getDeadLetters()).toHaveLength(3);
  });

  it('reports a clear that ran during the wait: the tuples may be discarded, not written', async () => {
    const after = (await importer.core.buffer.positions()).latest;
    const before = await clears();
    await importer.service.grantMany(doc('clr', 5));
    const batch = await app.core.buffer.claim(100, 10_000);
    const waiting = waitForImport(target(), { after, clears: before });
    await new Promise((r) => setTimeout(r, 200));
    await app.service.clear();
    await app.core.buffer.release(batch!.id);
    expect(await waiting).toEqual({ status: 'cleared' });
  });
});
