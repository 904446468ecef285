import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { StoreKeys } from './redis-keys';
import { waitAtMost } from '../timing/wait-at-most';

/**
 * Drops every cached answer of the store when its Redis primary is a new
 * one (a failover, a restart): replication is asynchronous, so a promoted
 * replica may lack writes that cached answers were computed after.
 * The primary's replication id (`INFO replication`, `master_replid`) is
 * recorded in the store (`primary`); a process that connects (or
 * reconnects: ioredis's `ready`) to a primary with another id sets a new
 * epoch, which no cached answer records, before its cache serves anything
 * (`verified`).
 */
export class PrimaryWatch {
  private verifying?: Promise<void>;
  private readonly onReady = () => this.verify();

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: StoreKeys,
    /** A verification that gets no answer within this long gives up (the cache read then meets the outage itself). */
    private readonly timeoutMs: number,
  ) {
    redis.on('ready', this.onReady);
    if (redis.status === 'ready') this.verify();
  }

  /** On module close: a client shared with the app keeps no listener of a closed module. */
  close(): void {
    this.redis.off('ready', this.onReady);
  }

  /** Undefined once the current primary is verified; else a promise that settles when it is (or could not be). */
  get verified(): Promise<void> | undefined {
    return this.verifying;
  }

  private verify(): void {
    // Redis down: the cache read that waits fails on its own.
    const run: Promise<void> = waitAtMost(this.check(), this.timeoutMs).finally(() => {
      if (this.verifying === run) this.verifying = undefined;
    });
    this.verifying = run;
  }

  private async check(): Promise<void> {
    const k = this.keys;
    // A pipeline routes by its keyed command: INFO runs on the node that holds the store (Redis Cluster).
    const replies = await this.redis.pipeline().get(k.primary).info('replication').exec();
    const recorded = replies?.[0]?.[1] as string | null | undefined;
    const info = String(replies?.[1]?.[1] ?? '');
    const replid = /master_replid:(\w+)/.exec(info)?.[1];
    if (!replid || replid === recorded) return;
    if (recorded) await this.redis.set(k.epoch, `p${randomUUID()}`);
    await this.redis.set(k.primary, replid);
  }
}
