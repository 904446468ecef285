/**
 * R11 — a flusher that stalls longer than its lease while OpenFGA stays
 * reachable (GC pause, CPU starvation: here SIGSTOP) must not write once
 * another process took its batch over and wrote newer operations.
 *
 * A child flusher writes a batch one tuple per request, through a recording
 * proxy that freezes it (SIGSTOP) as its first request arrives. Meanwhile
 * this process buffers the opposite op on every contested tuple, waits out
 * the lease and its grace, takes the batch over and writes the newer ops.
 * Then the child resumes. Must hold: no Write of the child after it resumed
 * carries a contested tuple, and OpenFGA ends with the last acknowledged op
 * of every tuple. Inline mode, and queue mode (BullMQ hands the frozen
 * worker's job to another worker: stalled-job double processing).
 * Short mode: 1 round of 3 contested tuples per mode; full: 4 rounds of 20.
 */
import { OpenFgaClient } from '@openfga/sdk';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import type { TupleOperation } from '../../src/tuple/tuple';
import { killAllChildren, RunningChild, startChild } from '../support/processes/child-process';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { RecordingProxy, startRecordingProxy } from '../support/faults/recording-proxy';
import { quietNestLogs, reportFigures, scaled, sleep, until } from '../support/reliability/scale';
import { openService, OpenService } from '../support/harness/service';

const ROUNDS = scaled(1, 4);
const CONTESTED = scaled(3, 20);

interface Round {
  filler: Tuple;
  contested: Tuple[];
  /** The op the stalled writer holds per contested tuple; the newer op is the opposite. */
  stale: TupleOperation[];
}

function makeRound(round: number): Round {
  const filler = { user: `user:filler${round}`, relation: 'viewer', object: `document:f${round}` };
  const contested = Array.from({ length: CONTESTED }, (_, i) => ({
    user: `user:bob${i}`,
    relation: 'viewer',
    object: `document:r${round}-${i}`,
  }));
  // Half grant-then-revoke, half revoke-then-grant: a late stale op would be wrong both ways.
  const stale = contested.map((t, i): TupleOperation => ({ ...t, kind: i % 2 === 0 ? 'grant' : 'revoke' }));
  return { filler, contested, stale };
}

const newer = (op: TupleOperation): TupleOperation => ({ ...op, kind: op.kind === 'grant' ? 'revoke' : 'grant' });

/** Freezes `child` when the proxy sees its first Write, and records when it resumes. */
function freezeOnFirstWrite(proxy: RecordingProxy, child: () => RunningChild | undefined): Promise<void> {
  return new Promise((resolve) => {
    proxy.beforeWrite = () => {
      proxy.beforeWrite = undefined;
      child()?.process.kill('SIGSTOP');
      resolve();
    };
  });
}

describe('R11: a flusher that lost its lease while stalled writes nothing more', () => {
  let proxy: RecordingProxy;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    quietNestLogs('silent');
    proxy = await startRecordingProxy(serverEnv().apiUrl);
  });
  afterEach(killAllChildren);
  afterAll(async () => {
    await proxy?.close();
    reportFigures('R11', `stalled flushers fenced: ${JSON.stringify(figures)}`, figures);
  });

  /** Stale grants after resuming, and tuples whose OpenFGA state is not their last acknowledged op. */
  async function verify(storeId: string, rounds: Round[], resumedAt: number[]) {
    const contestedIds = new Set(rounds.flatMap((r) => r.contested.map(tupleId)));
    const late = proxy.writes.filter((w) => resumedAt.some((at) => w.start >= at));
    const staleAfterResume = late.filter((w) => [...w.writes, ...w.deletes].some((id) => contestedIds.has(id)));
    const present = new Set((await readAllTuples(storeId)).map(tupleId));
    const wrong = rounds.flatMap((r) => r.stale.map(newer)).filter((op) => present.has(tupleId(op)) !== (op.kind === 'grant'));
    const fillersMissing = rounds.filter((r) => !present.has(tupleId(r.filler))).length;
    return { staleAfterResume: staleAfterResume.length, wrong: wrong.map(tupleId), fillersMissing };
  }

  async function prepare(storeId: string, open: OpenService, round: Round) {
    // The tuples the stale ops revoke exist in OpenFGA first.
    const sdk = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId });
    const existing = round.stale.filter((op) => op.kind === 'revoke').map(({ user, relation, object }) => ({ user, relation, object }));
    if (existing.length) await sdk.write({ writes: existing });
    // One enqueue: the child claims them as one batch, the filler first (one tuple per request).
    await open.core.buffer.enqueue([{ ...round.filler, kind: 'grant' }, ...round.stale], open.core.options.authorizationModelId);
  }

  async function drain(open: OpenService, timeoutMs = 30_000) {
    await until(
      'buffer drained',
      async () => {
        await open.core.flusher.flush();
        const s = await open.service.status();
        return s.pending.total === 0 && s.inFlight === 0;
      },
      timeoutMs,
      100,
    );
  }

  it(
    `inline: ${ROUNDS} round(s) of ${CONTESTED} contested tuples; the stalled flusher's later ops are never written`,
    async () => {
      const store = await freshStore('r11-inline');
      const options: OpenFgaModuleOptions = testOptions(store, {
        leaseTtl: 1,
        requestTimeout: 0.5,
        maxTuplesPerWrite: 1,
        maxParallelRequests: 1,
        changeFeed: { enabled: false },
      });
      const open = openService(options);
      const rounds: Round[] = [];
      const resumedAt: number[] = [];
      const staleResults: Record<string, unknown>[] = [];
      try {
        for (let r = 0; r < ROUNDS; r++) {
          const round = makeRound(r);
          rounds.push(round);
          await prepare(store.storeId, open, round);
          const child = startChild('reliability-flusher.ts', { ...options, apiUrl: proxy.url }, { WAIT_FOR_GO: '1' });
          await child.waitFor((e) => e.event === 'ready');
          const frozen = freezeOnFirstWrite(proxy, () => child);
          child.send('go');
          await frozen;

          // Newer ops on every contested tuple, written here once the lease and its grace ran out.
          await open.core.buffer.enqueue(round.stale.map(newer), options.authorizationModelId);
          await drain(open);

          resumedAt.push(performance.now());
          child.process.kill('SIGCONT');
          const progress = await child.waitFor((e) => e.event === 'progress', 10_000);
          staleResults.push({ writes: progress.writes, deletes: progress.deletes, failed: progress.failed });
          child.send('stop');
          await child.waitFor((e) => e.event === 'done');
          await drain(open); // ops the stalled flusher re-asserted, if any
        }
        const result = await verify(store.storeId, rounds, resumedAt);
        figures.inline = { rounds: ROUNDS, contested: CONTESTED, ...result, staleFlushes: staleResults };
        expect(result).toEqual({ staleAfterResume: 0, wrong: [], fillersMissing: 0 });
        // The stalled flush wrote only its first request (sent before the stall).
        for (const s of staleResults) expect(Number(s.writes) + Number(s.deletes)).toBeLessThanOrEqual(1);
        expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0, deadLettered: 0 });
      } finally {
        await open.close();
      }
    },
    scaled(60_000, 180_000),
  );

  it(
    `queue: a job whose worker froze is processed again by another worker; the frozen one writes nothing more`,
    async () => {
      const store = await freshStore('r11-queue');
      const options: OpenFgaModuleOptions = testOptions(store, {
        leaseTtl: 2,
        requestTimeout: 0.5,
        maxTuplesPerWrite: 1,
        maxParallelRequests: 1,
        changeFeed: { enabled: false },
        queue: { enabled: true, worker: false, attempts: 3, backoff: 0.2, timeout: 1 },
      });
      const producer = openService(options);
      const rescuers: OpenService[] = [];
      const rounds: Round[] = [];
      const resumedAt: number[] = [];
      try {
        for (let r = 0; r < ROUNDS; r++) {
          const round = makeRound(r);
          rounds.push(round);
          await prepare(store.storeId, producer, round);
          const doomed = startChild('queue-worker-process.ts', {
            ...options,
            apiUrl: proxy.url,
            queue: { ...options.queue, worker: true },
          });
          await doomed.waitFor((e) => e.event === 'ready', 30_000);
          const frozen = freezeOnFirstWrite(proxy, () => doomed);
          expect(await producer.service.flush()).toMatchObject({ jobs: 1 });
          await frozen;

          await producer.core.buffer.enqueue(round.stale.map(newer), options.authorizationModelId);
          // BullMQ notices the frozen worker's lock ran out and hands its job to another worker (one per round:
          // a worker left running would take the next round's job before the one to freeze).
          const rescuer = openService(options);
          rescuers.push(rescuer);
          await rescuer.core.queue!.startWorker();
          await until(
            'the rescuer wrote the batch and the newer ops',
            async () => {
              await producer.core.flusher.flush();
              const s = await producer.service.status();
              return s.pending.total === 0 && s.inFlight === 0;
            },
            40_000,
            200,
          );

          resumedAt.push(performance.now());
          doomed.process.kill('SIGCONT');
          await sleep(3000); // the frozen worker's processing ends (as gone); nothing of it may reach OpenFGA
          doomed.process.kill('SIGKILL');
          await doomed.exited;
          await until(
            'buffer drained',
            async () => {
              await producer.core.flusher.flush();
              const s = await producer.service.status();
              return s.pending.total === 0 && s.inFlight === 0;
            },
            30_000,
            200,
          );
          await rescuer.close();
        }
        const result = await verify(store.storeId, rounds, resumedAt);
        figures.queue = { rounds: ROUNDS, contested: CONTESTED, ...result };
        expect(result).toEqual({ staleAfterResume: 0, wrong: [], fillersMissing: 0 });
      } finally {
        await Promise.all(rescuers.map((r) => r.close()));
        await producer.close();
      }
    },
    scaled(60_000, 180_000),
  );
});
