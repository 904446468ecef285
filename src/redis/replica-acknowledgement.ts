import type { Cluster, Redis } from 'ioredis';
import { ReplicationUnconfirmedError } from './replication-unconfirmed.error';

/** `acknowledge` as resolved: how many replicas must confirm a write (`auto`: 1 once the primary was seen with a replica). */
export interface AcknowledgeSettings {
  replicas: number | 'auto';
  timeoutMs: number;
}

/** How long the primary's replica count is trusted before it is read again (`auto`). */
const ROLE_TTL_MS = 5000;

/**
 * Replicated acknowledgement: after a write script, `WAIT` for replicas on
 * the connection (the node) that ran it, so `grant` resolves only once the
 * write would survive a failover. Replication is asynchronous, and a
 * promoted replica lacks whatever it had not received. `WAIT` covers every
 * write sent before it on that connection, so concurrent calls share one
 * wait's worth of latency, not a queue of them.
 *
 * `auto` waits for one replica once the primary was seen with one (read
 * with ROLE, again every few seconds), and for none on a lone primary. It
 * stays required when the replica disconnects: a primary that lost its
 * replica is exactly when an unreplicated write is at risk.
 */
export class ReplicaAcknowledgement {
  private known?: { replicas: number; at: number };
  /** A WAIT not sent yet: writers that resolved before it is sent share it (it covers every earlier write). */
  private next?: Promise<void>;

  constructor(
    private readonly redis: Redis | Cluster,
    /** A key of the store: routes the commands to its node in a Redis Cluster. */
    private readonly routeKey: string,
    private readonly settings: AcknowledgeSettings,
  ) {}

  /**
   * Resolves once the writes sent so far on this connection reached the required replicas; throws
   * ReplicationUnconfirmedError otherwise. Concurrent callers share one WAIT: WAIT blocks the connection
   * it runs on until it returns, so one per write would queue every command behind the others' waits.
   */
  confirm(): Promise<void> {
    return (this.next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.next = undefined;
      return this.waitForReplicas();
    }));
  }

  private async waitForReplicas(): Promise<void> {
    const required = await this.required();
    if (required === 0) return;
    const confirmed = Number(await this.onStoreNode('WAIT', required, this.settings.timeoutMs));
    if (confirmed < required) {
      throw new ReplicationUnconfirmedError(confirmed, required, this.settings.timeoutMs);
    }
  }

  private async required(): Promise<number> {
    const { replicas } = this.settings;
    if (replicas !== 'auto') return replicas;
    if (!this.known || Date.now() - this.known.at > ROLE_TTL_MS) {
      const role = (await this.onStoreNode('ROLE')) as [string, number, unknown[]?];
      const seen = role[0] === 'master' ? Math.min(1, role[2]?.length ?? 0) : 0;
      this.known = { replicas: Math.max(seen, this.known?.replicas ?? 0), at: Date.now() };
    }
    return this.known.replicas;
  }

  /** Runs a keyless command on the node that holds the store's keys (a pipeline routes by its keyed command). */
  private async onStoreNode(command: string, ...args: (string | number)[]): Promise<unknown> {
    const results = await this.redis
      .pipeline()
      .exists(this.routeKey)
      .call(command, ...args)
      .exec();
    const [err, value] = results?.[1] ?? [new Error(`${command} got no reply`), null];
    if (err) throw err;
    return value;
  }
}
