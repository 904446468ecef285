/**
 * Three flush paths on the real servers where a stale writer (frozen
 * between its lease check and its request, as a long GC pause freezes it)
 * or a mixed failure must not lose an acknowledged write:
 * - queue mode: a stalled first run of a job, after another run of the job
 *   settled part of its batch (leaving it with no owner), must not overwrite
 *   a newer revoke for good;
 * - a condition change (delete, then write): a stalled writer's late delete
 *   after a newer writer's grant is re-asserted;
 * - queue mode, final attempt: each op's own failure decides its fate (an
 *   outage never dead-letters; a refusal of that op does).
 */
import { join } from 'node:path';
import { OpenFgaClient } from '@openfga/sdk';
import type { OpenFgaModuleOptions, Tuple, TupleCondition } from '../../src';
import type { WriteBuffer } from '../../src/buffer/write-buffer';
import type { FgaClient } from '../../src/client/fga-client';
import { TupleWriter } from '../../src/client/tuple-writer';
import { BatchLease } from '../../src/flush/batch-lease';
import { InlineDispatcher } from '../../src/flush/inline-dispatcher';
import { FlushBatchProcessor, type FlushJob } from '../../src/queue/flush-batch.processor';
import { queueSettings } from '../../src/queue/queue-settings';
import { startTupleFaultProxy, TupleFaultProxy } from '../support/faults/tuple-fault-proxy';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';
import { createStore } from '../support/harness/store';
import { readAllTuples, tupleId } from '../support/state/fga-state';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T1: Tuple = { user: 'user:bob', relation: 'viewer', object: 'document:1' };
const T2: Tuple = { user: 'user:carl', relation: 'viewer', object: 'document:2' };

/**
 * The real client, except that the first request `stallOn` picks waits until `resume()`: the writer has
 * passed its lease check and stalls before the request leaves. `onStall` runs as it stalls (no await between).
 */
function stallingClient(real: FgaClient, stallOn: (writes: Tuple[], deletes: Tuple[]) => boolean, onStall = () => undefined) {
  let resume!: () => void;
  let stalled!: () => void;
  const gate = new Promise<void>((r) => (resume = r));
  const reached = new Promise<void>((r) => (stalled = r));
  let armed = true;
  const client = Object.create(real) as FgaClient;
  client.write = async (writes, deletes, modelId) => {
    if (armed && stallOn(writes, deletes)) {
      armed = false;
      onStall();
      stalled();
      await gate;
    }
    return real.write(writes, deletes, modelId);
  };
  return { client, stalled: reached, resume };
}

function queueOptions(overrides: Partial<OpenFgaModuleOptions> = {}): Partial<OpenFgaModuleOptions> {
  return {
    requestTimeout: 0.5,
    maxTuplesPerWrite: 1,
    maxParallelRequests: 1,
    changeFeed: { enabled: false },
    queue: { enabled: true, worker: false, attempts: 3, backoff: 0.2, timeout: 1 },
    ...overrides,
  };
}

/** A job as BullMQ hands it to the processor (`attemptsMade` before this one). */
function jobFor(open: OpenService, batchId: string, attemptsMade = 0): FlushJob {
  const { storeId, prefix } = open.core.options;
  return { id: `job-${batchId}`, data: { batchId, storeId, prefix }, attemptsMade, opts: { attempts: 3 } } as unknown as FlushJob;
}

describe('flush paths never lose an acknowledged write', () => {
  const opened: OpenService[] = [];
  let proxy: TupleFaultProxy | undefined;
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
    await proxy?.close();
    proxy = undefined;
  });
  const open = (options: OpenFgaModuleOptions) => {
    const o = openService(options);
    opened.push(o);
    return o;
  };

  it('queue: a stalled first run of a job cannot overwrite a newer revoke after another run left the batch unowned', async () => {
    const store = await freshStore('paths-queue');
    const options = testOptions(store, queueOptions());
    const app = open(options);
    const { core, service } = app;
    const settings = queueSettings(core.options, core.buffer.keys);
    proxy = await startTupleFaultProxy(serverEnv().apiUrl);
    const rescuer = open({ ...options, apiUrl: proxy.url }); // the process BullMQ hands the stalled job to

    await service.grant(T1.user, T1.relation, T1.object);
    await service.grant(T2.user, T2.relation, T2.object);
    const batch = (await core.buffer.claim(10, settings.leaseMs))!;

    // Run 1 stalls after its lease check, before its first request (the grant of T1); its heartbeat stops with it.
    let frozen = false;
    const stall = stallingClient(
      core.client,
      () => true,
      () => void (frozen = true),
    );
    const frozenBuffer = Object.create(core.buffer) as WriteBuffer;
    frozenBuffer.renewLease = (...args) => (frozen ? new Promise(() => undefined) : core.buffer.renewLease(...args));
    const run1 = new FlushBatchProcessor(frozenBuffer, new TupleWriter(stall.client, 1, 1), settings)
      .process(jobFor(app, batch.id), 'run-1')
      .catch((err: unknown) => err);
    await stall.stalled;

    // Run 2 (stalled-job recovery) takes the batch over once run 1's ownership and the grace ran out:
    // T1 is written, T2 fails (OpenFGA unreachable), so the batch keeps T2 and no owner.
    proxy.fault = (tuples) => (tuples.includes(tupleId(T2)) ? 'cut' : 'forward');
    const run2 = await new FlushBatchProcessor(rescuer.core.buffer, rescuer.core.writer, settings)
      .process(jobFor(app, batch.id), 'run-2')
      .catch((err: unknown) => err);
    expect(run2).toBeInstanceOf(Error);
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tupleId(T1)]);

    // The user revokes T1; it is written.
    await service.revoke(T1.user, T1.relation, T1.object);
    const revoke = (await core.buffer.claim(10, settings.leaseMs))!;
    const processor = new FlushBatchProcessor(core.buffer, core.writer, settings);
    expect(await processor.process(jobFor(app, revoke.id), 'run-3')).toMatchObject({ outcome: 'settled', deletes: 1 });
    expect(await readAllTuples(store.storeId)).toEqual([]);

    // Run 1 wakes: its old grant of T1 lands after the revoke.
    stall.resume();
    await run1;
    const landed = (await readAllTuples(store.storeId)).map(tupleId);
    const pendingAfterWake = (await service.getPendingOperations()).map((o) => `${o.kind} ${o.key}`);

    // Whatever was queued again is written; then OpenFGA and the module must deny T1 (the revoke is the last op).
    for (let i = 0; i < 5; i++) {
      const next = await core.buffer.claim(10, settings.leaseMs);
      if (!next) break;
      await processor.process(jobFor(app, next.id), `drain-${i}`);
    }
    const final = (await readAllTuples(store.storeId)).map(tupleId);
    const checked = await service.check(T1.user, T1.relation, T1.object);
    console.log(JSON.stringify({ path: 'queue-stalled-run', landed, pendingAfterWake, final, checkT1: checked }));
    expect(landed).toEqual([tupleId(T1)]); // the stale grant did land (the fault this test is about)
    expect(final).toEqual([]);
    expect(checked).toBe(false);
  }, 30_000);

  it("a condition change: a stalled writer's late delete after a newer writer's grant is re-asserted", async () => {
    const model = join(PROJECT_ROOT, 'test', 'fixtures', 'temporal-access.fga');
    const store = await createStore(serverEnv().apiUrl, `paths-cond-${Date.now() % 100000}`, model);
    const app = open(testOptions(store, { requestTimeout: 0.5, changeFeed: { enabled: false } }));
    const { core, service } = app;
    await app.ready();
    const eu: TupleCondition = { name: 'in_region', context: { region: 'eu', allowed: ['eu'] } };
    const us: TupleCondition = { name: 'in_region', context: { region: 'us', allowed: ['us'] } };
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId });
    await sdk.write({ writes: [{ ...T1, condition: { name: eu.name, context: eu.context } }] });

    await service.grant(T1.user, T1.relation, T1.object, { condition: us });
    const leaseMs = 2000;
    const stale = (await core.buffer.claim(10, leaseMs))!;
    // The stale writer's plain write meets the old condition (409); it passes the lease check of the
    // replacement and stalls before its delete.
    const stall = stallingClient(core.client, (writes, deletes) => writes.length === 0 && deletes.length === 1);
    const lease = new BatchLease(() => new Promise(() => undefined), { leaseMs, validUntil: stale.leasedUntil ?? Date.now() + leaseMs });
    const dispatcher = new InlineDispatcher(core.buffer, new TupleWriter(stall.client, 1, 1), {
      leaseMs,
      retryBaseMs: 100,
      retryMaxMs: 100,
    });
    const staleReport = dispatcher.dispatch(stale, lease);
    await stall.stalled;

    // Another flusher takes the batch over after the lease and its grace, and replaces the condition.
    await sleep(leaseMs + core.buffer.graceMs + 150);
    expect(await service.flush()).toMatchObject({ writes: 1, failed: 0 });
    expect(await readAllTuples(store.storeId)).toEqual([T1]);

    // The stale writer wakes: its delete lands after that grant; the next lease check stops its write.
    stall.resume();
    expect(await staleReport).toMatchObject({ writes: 0, failed: 1 });
    lease.stop();
    const landed = (await readAllTuples(store.storeId)).map(tupleId);
    const pendingAfterWake = (await service.getPendingOperations()).map((o) => `${o.kind} ${o.key}`);

    await service.flush();
    const final = (await readAllTuples(store.storeId)).map(tupleId);
    const checked = await service.check(T1.user, T1.relation, T1.object);
    console.log(JSON.stringify({ path: 'condition-replacement', landed, pendingAfterWake, final, checkT1: checked }));
    expect(landed).toEqual([]); // the stale delete did land (the fault this test is about)
    expect(final).toEqual([tupleId(T1)]);
    expect(checked).toBe(true);
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
  }, 30_000);

  it('queue, final attempt: an op OpenFGA could not be reached for returns to the buffer, an op refused with 401 is dead-lettered', async () => {
    const store = await freshStore('paths-final');
    proxy = await startTupleFaultProxy(serverEnv().apiUrl);
    const app = open(testOptions(store, queueOptions({ apiUrl: proxy.url, retryBaseDelay: 0.05, retryMaxDelay: 0.05 })));
    const { core, service } = app;
    const settings = queueSettings(core.options, core.buffer.keys);

    await service.grant(T1.user, T1.relation, T1.object);
    await service.grant(T2.user, T2.relation, T2.object);
    const batch = (await core.buffer.claim(10, settings.leaseMs))!;
    // T1: OpenFGA unreachable (the connection drops); T2: refused with 401 (a gateway's preshared key does not match).
    proxy.fault = (tuples) => (tuples.includes(tupleId(T1)) ? 'cut' : { status: 401, code: 'unauthenticated', message: 'unauthenticated' });
    const processor = new FlushBatchProcessor(core.buffer, core.writer, settings);
    const last = await processor.process(jobFor(app, batch.id, 2), 'run-final').catch((err: unknown) => err);
    expect(last).toBeInstanceOf(Error);

    const dead = (await service.getDeadLetters()).map((d) => `${d.operation.key} (${d.reason})`);
    const status = await service.status();
    console.log(JSON.stringify({ path: 'final-attempt', dead, inFlight: status.inFlight, pending: status.pending.total }));
    expect(dead).toEqual([expect.stringMatching(/^user:carl viewer document:2 \(unauthenticated/)]);

    // T1 returns to the buffer after its backoff and is written once OpenFGA is reachable.
    proxy.fault = () => 'forward';
    await sleep(100);
    const again = (await core.buffer.claim(10, settings.leaseMs, true))!;
    expect(again.operations.map((o) => o.key)).toEqual([tupleId(T1)]);
    expect(await processor.process(jobFor(app, again.id), 'run-after')).toMatchObject({ outcome: 'settled', writes: 1 });
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual([tupleId(T1)]);
  }, 30_000);
});
