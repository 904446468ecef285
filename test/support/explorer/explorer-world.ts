/**
 * One sequence's world on the real servers: a store under test and its
 * mirror (a second store, written directly through the SDK), three
 * "processes" sharing one Redis buffer, each behind its own fault proxy to
 * OpenFGA: A writes and caches, B has the cache off and flushes beside the
 * others, C caches and may be unable to read the model (its proxy refused
 * the first model read: it reads store-wide for the whole sequence).
 */
import type { OpenFgaClient } from '@openfga/sdk';
import type { ClaimedBatch } from '../../../src/buffer/buffered-operation';
import type { ConditionalTuple, ConsistencyToken, OpenFgaReadLimits } from '../../../src';
import { BatchLease } from '../../../src/flush/batch-lease';
import { InlineDispatcher } from '../../../src/flush/inline-dispatcher';
import { startFaultProxy, FaultProxy } from '../faults/fault-proxy';
import { serverEnv, testOptions } from '../harness/env';
import { openService, OpenService } from '../harness/service';
import { mirrorWrite, recordAndMirror } from '../state/mirror-store';
import { ExplorerModel, grantOf } from './explorer-model';
import type { ProcessIndex, Sequence, Step } from './explorer-steps';
import { sdkClient } from '../harness/sdk';

/** How long a frozen writer's claim is leased: the batch is taken over after this plus the grace (requestTimeout + 1 s). */
const STALL_LEASE_MS = 500;
/**
 * One OpenFGA request's limit. 2 s: a long run on a shared two-core machine saw
 * requests that a loaded OpenFGA answered after more than 1 s (counted as errors while up).
 */
const REQUEST_TIMEOUT = 2;

type WriteModelBody = Parameters<OpenFgaClient['writeAuthorizationModel']>[0];

export class ExplorerWorld {
  /** The last token an acknowledged operation returned (for `at-least-as-fresh`). */
  token?: ConsistencyToken;
  /** Steps (the outage's own included) until an outage ends. */
  private downFor = 0;
  /** A claimed batch whose writer is frozen, and the steps (the stall's own included) until it writes late. */
  private stalled?: { batch: ClaimedBatch; process: OpenService; steps: number };

  private constructor(
    readonly model: ExplorerModel,
    readonly sequence: Sequence,
    readonly processes: readonly OpenService[],
    private readonly proxies: readonly FaultProxy[],
    readonly mirror: OpenFgaClient,
  ) {}

  static async open(model: ExplorerModel, sequence: Sequence, readLimits: OpenFgaReadLimits): Promise<ExplorerWorld> {
    const { apiUrl } = serverEnv();
    const [store, mirrorStore] = await Promise.all([
      createModelStore(apiUrl, model, 'explorer'),
      createModelStore(apiUrl, model, 'explorer-mirror'),
    ]);
    const mirror = sdkClient({ apiUrl, storeId: mirrorStore.storeId, authorizationModelId: mirrorStore.modelId });
    const target = new URL(apiUrl);
    const proxies = await Promise.all([0, 1, 2].map(() => startFaultProxy(target.hostname, Number(target.port))));
    const base = testOptions(store, {
      requestTimeout: REQUEST_TIMEOUT,
      leaseTtl: REQUEST_TIMEOUT + 1,
      retryBaseDelay: 0.05,
      retryMaxDelay: 0.2,
      modelRefreshInterval: 3600,
      readLimits,
    });
    const processes: OpenService[] = [];
    try {
      if (sequence.noModel) proxies[2].refuse();
      for (const [i, overrides] of [{}, { cache: false }, {}].entries()) {
        const process = openService({ ...base, ...overrides, apiUrl: proxies[i].url });
        processes.push(process);
        await process.ready();
      }
      proxies[2].heal();
      if (sequence.noModel && (await processes[2].service.status()).model.invalidation !== 'store-wide') {
        throw new Error('process C read the model through a refusing proxy');
      }
    } catch (err) {
      await Promise.all([...processes.map((p) => p.close()), ...proxies.map((p) => p.close())]);
      throw err;
    }
    return new ExplorerWorld(model, sequence, processes, proxies, mirror);
  }

  /** Sequence tuple `t` as a universe tuple. */
  tuple(t: number) {
    return this.model.tuples[this.sequence.tuples[t]];
  }

  /** Applies one step; resolves once it is acknowledged (writes) or done (flushes, faults). */
  async apply(step: Step): Promise<void> {
    switch (step.kind) {
      case 'grant':
        return this.record(step.by, 'grant', grantOf(this.tuple(step.t), step.form));
      case 'revoke':
        return this.record(step.by, 'revoke', this.tuple(step.t));
      case 'grantMany':
        return this.grantMany(
          step.by,
          step.grants.map((g) => grantOf(this.tuple(g.t), g.form)),
        );
      case 'bulk': {
        const t = this.tuple(step.t);
        const type = t.object.split(':')[0];
        const form = t.plain ? 'plain' : 'true';
        return this.grantMany(
          step.by,
          Array.from({ length: step.size }, (_, k) => grantOf({ ...t, object: `${type}:z${k}` }, form)),
        );
      }
      case 'flush':
        await this.processes[step.by].service.flush();
        return;
      case 'partialFlush':
        await this.processes[1].core.flusher.flushTuples(step.ts.map((t) => keyOf(this.tuple(t))));
        return;
      case 'stall': {
        if (this.stalled) return;
        const process = this.processes[1];
        const batch = await process.core.buffer.claim(step.size, STALL_LEASE_MS);
        if (batch) this.stalled = { batch, process, steps: step.steps + 1 };
        return;
      }
      case 'outage':
        this.downFor = step.steps + 1;
        this.proxies.forEach((p) => p.refuse());
        return;
    }
  }

  /** Ends an outage or a stall whose steps are over (called once the reads after a step are done). */
  async stepDone(): Promise<void> {
    if (this.downFor > 0 && --this.downFor === 0) this.heal();
    if (this.stalled && --this.stalled.steps === 0) await this.resume();
  }

  /** A claimed batch's writer is frozen: reads that depend on its ops may fail closed until its lease is taken back. */
  get frozen(): boolean {
    return this.stalled !== undefined;
  }

  /** OpenFGA is unreachable for the module (not for the mirror). */
  get down(): boolean {
    return this.downFor > 0;
  }

  private heal(): void {
    this.downFor = 0;
    this.proxies.forEach((p) => p.heal());
  }

  /** Ends faults and writes everything acknowledged (bounded: a few flushes). */
  async settle(): Promise<void> {
    this.heal();
    await this.resume();
    const { service } = this.processes[0];
    for (let i = 0; i < 5; i++) {
      const status = await service.status();
      if (status.pending.total + status.inFlight === 0) return;
      await service.flush();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes.map((p) => p.close()), ...this.proxies.map((p) => p.close())]);
  }

  /** The frozen writer writes its batch (late, if it was taken over meanwhile) and settles it. */
  private async resume(): Promise<void> {
    const stalled = this.stalled;
    if (!stalled) return;
    this.stalled = undefined;
    const { core } = stalled.process;
    const dispatcher = new InlineDispatcher(core.buffer, core.writer, { leaseMs: 60_000, retryBaseMs: 50, retryMaxMs: 200 });
    // It passed its lease check just before it froze.
    const lease = new BatchLease(async () => 'held', { leaseMs: 60_000, validUntil: Date.now() + 60_000 });
    try {
      await dispatcher.dispatch(stalled.batch, lease);
    } finally {
      lease.stop();
    }
  }

  private async record(by: ProcessIndex, kind: 'grant' | 'revoke', t: ConditionalTuple): Promise<void> {
    this.token = await recordAndMirror(this.processes[by].service, this.mirror, kind, t);
  }

  private async grantMany(by: ProcessIndex, tuples: ConditionalTuple[]): Promise<void> {
    // The last grant of a tuple wins, in the module as in the mirror.
    const last = [...new Map(tuples.map((t) => [keyOf(t), t])).values()];
    this.token = await this.processes[by].service.grantMany(last);
    await mirrorWrite(this.mirror, 'grant', last);
  }
}

export const keyOf = (t: { user: string; relation: string; object: string }) => `${t.user} ${t.relation} ${t.object}`;

async function createModelStore(apiUrl: string, model: ExplorerModel, name: string) {
  const { id: storeId } = await sdkClient({ apiUrl }).createStore({ name });
  const { authorization_model_id: modelId } = await sdkClient({ apiUrl, storeId }).writeAuthorizationModel(
    model.document as unknown as WriteModelBody,
  );
  return { storeId, modelId };
}
