import type { FgaClient } from '../client/fga-client';
import { coreLogger } from '../logging/core-logger';
import { RelationGraph } from '../model/relation-graph';
import type { LuaScripts } from '../redis/lua-scripts';
import type { StoreKeys } from '../redis/redis-keys';
import type { RelationScope } from './relation-scope';

/** What `status()` and the health indicator show about the model the read path follows. */
export interface ModelGraphStatus {
  /** The model whose relation graph this process uses; null when it has none. */
  modelId: string | null;
  /** `authorizationModelId` is set (the graph never changes), or the store's latest model is followed. */
  pinned: boolean;
  /**
   * `scoped`: reads and writes follow the graph. `store-wide`: no graph (the model could not be read or
   * compiled), or the store's cache follows another process's newer model: every write invalidates
   * every cached answer, as before graphs existed. Correct either way; slower.
   */
  invalidation: 'scoped' | 'store-wide';
  /** Why the invalidation is store-wide. */
  reason?: string;
  /**
   * Writes are checked against this process's model (modelId) in the call: a grant or revoke the model
   * forbids throws InvalidTupleError. False while no model could be read: writes are checked for their
   * form only, and one the model forbids is acknowledged, then dead-lettered by the flush.
   */
  writesChecked: boolean;
}

export interface ModelWatchSettings {
  pinnedModelId?: string;
  refreshMs: number;
}

/** How many refresh intervals the store keeps following a graph nobody refreshes. */
const GRAPH_TTL_INTERVALS = 10;

/**
 * Reads the authorization model, compiles its relation graph into the
 * RelationScope, and makes the store's cache follow it (adopt-graph): one
 * graph per store, the newest model's, so every writer bumps the keys every
 * reader relies on. Re-reads it every `refreshMs`: a new latest model (when
 * not pinned) replaces the graph, and adopting it drops every cached answer.
 * A model that cannot be read leaves the scope without a graph (store-wide
 * invalidation, logged once) and is tried again at the next refresh.
 */
export class ModelWatch {
  private readonly logger = coreLogger('OpenFgaModel');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private state: Omit<ModelGraphStatus, 'writesChecked'>;
  private warned?: string;
  private stopped = false;
  /** The first read, shared by every caller of start(). */
  private started?: Promise<void>;

  constructor(
    private readonly client: FgaClient,
    private readonly scripts: LuaScripts,
    private readonly keys: StoreKeys,
    private readonly scope: RelationScope,
    private readonly settings: ModelWatchSettings,
    private readonly indexBuffered: () => Promise<unknown> = async () => undefined,
  ) {
    this.state = { modelId: null, pinned: settings.pinnedModelId !== undefined, invalidation: 'store-wide', reason: 'model not read yet' };
  }

  /** The relation graph read last; undefined until the model was read and compiled. */
  get graph(): RelationGraph | undefined {
    return this.scope.graph;
  }

  status(): ModelGraphStatus {
    return { ...this.state, writesChecked: this.scope.graph !== undefined };
  }

  /** Reads the model now and every `refreshMs` after; resolves after the first read. Never throws: a failure is logged and retried. */
  start(): Promise<void> {
    if (!this.started) {
      if (!this.stopped) {
        this.timer = setInterval(() => void this.refresh(), this.settings.refreshMs);
        this.timer.unref();
      }
      this.started = this.refresh();
    }
    return this.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One read of the model (concurrent calls share it). */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.readAndAdopt().finally(() => (this.running = undefined));
    return this.running;
  }

  private async readAndAdopt(): Promise<void> {
    let graph = this.scope.graph;
    try {
      // Before the graph is used: ops an older version buffered must be found by the index too.
      if (!this.scope.graph) await this.indexBuffered();
      if (!graph || !this.state.pinned) {
        const model = await this.client.readModel(this.settings.pinnedModelId);
        if (!model) return this.storeWide(null, 'the store has no authorization model');
        if (model.id !== graph?.modelId) graph = RelationGraph.compile(model);
      }
      const k = this.keys;
      const followed = await this.scripts.run<string>(
        'adopt-graph',
        [k.graph, k.seq, k.epoch, k.byUser, k.pending, k.inflight, k.base],
        [graph.modelId, this.settings.refreshMs * GRAPH_TTL_INTERVALS, ...graph.byUserPairs()],
      );
      this.scope.graph = graph;
      if (followed !== graph.modelId) {
        return this.storeWide(graph.modelId, `the store's cache follows model ${followed}, newer than this process's`);
      }
      if (this.state.invalidation !== 'scoped' || this.state.modelId !== graph.modelId) {
        this.logger.debug(`Cache invalidation follows the relation graph of model ${graph.modelId}`);
      }
      this.state = { modelId: graph.modelId, pinned: this.state.pinned, invalidation: 'scoped' };
      this.warned = undefined;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      // A graph read before stays right for a pinned model, and for the latest one until a new model appears.
      if (this.scope.graph)
        this.logger.warn(`The authorization model could not be read again (${why}); keeping the graph of ${this.scope.graph.modelId}`);
      else this.storeWide(null, `the authorization model could not be read: ${why}`);
    }
  }

  /** Keeps (or drops) the graph but reports store-wide invalidation, logged once per reason. */
  private storeWide(modelId: string | null, reason: string): void {
    this.state = { modelId, pinned: this.state.pinned, invalidation: 'store-wide', reason };
    if (modelId === null) this.scope.graph = undefined;
    if (this.warned === reason) return;
    this.warned = reason;
    this.logger.warn(`Cache invalidation is store-wide: ${reason}`);
  }
}
