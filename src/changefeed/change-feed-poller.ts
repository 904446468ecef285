import { coreLogger } from '../logging/core-logger';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { FgaClient } from '../client/fga-client';
import type { LuaScripts } from '../redis/lua-scripts';
import type { RedisAvailability } from '../redis/redis-availability';
import type { ChangeFeedKeys } from '../redis/redis-keys';

export interface ChangeFeedSettings {
  intervalMs: number;
  /** One cursor per type; `[undefined]` reads every type. */
  types: (string | undefined)[];
  pageSize: number;
}

/** What operators see of the change feed. */
export interface ChangeFeedStatus {
  /** Time since the feed was last read to its end: every change older than this is applied. Null before the first poll. */
  lagMs: number | null;
  /** When the newest applied change happened in OpenFGA (ms since the epoch), or null. */
  newestChangeAt: number | null;
  /** Whether this process currently holds the polling lease. */
  polling: boolean;
}

/** How far back a brand-new cursor starts reading. */
const START_MARGIN_MS = 60_000;

/** Pages read per type in one poll, so a huge backlog never blocks the loop for long. */
const MAX_PAGES_PER_POLL = 50;

/**
 * Reads OpenFGA's change feed (ReadChanges) and invalidates the cached
 * answers each change may affect, so writes made outside this module (other
 * services, the OpenFGA CLI, direct SDK calls) reach the cache. One process
 * per store polls at a time (a Redis lease); the continuation token is
 * checkpointed in Redis so whoever polls next resumes where the last one stopped.
 */
export class ChangeFeedPoller {
  private readonly logger = coreLogger('OpenFgaChangeFeed');
  private readonly id = randomUUID();
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private holding = false;
  private stopped = true;
  /** The poll under way, if any: stop() waits for it, so no request outlives the core's connections. */
  private running?: Promise<void>;
  /** Set by stop(): a poll under way reads no further page. */
  private stopping = false;
  /** The last poll ran out of its page budget before the end of a cursor: the next one starts at once. */
  private behind = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly scripts: LuaScripts,
    private readonly buffer: WriteBuffer,
    private readonly client: FgaClient,
    private readonly keys: ChangeFeedKeys,
    private readonly settings: ChangeFeedSettings,
    /** Bounds the feed's own commands as the scripts' (a frozen Redis must not hold a poll, nor stop(), for ever). */
    private readonly availability?: RedisAvailability,
  ) {
    scripts.use(join(__dirname, 'lua'));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops polling: a poll under way ends after its current page, then the lease is handed over. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    if (this.holding) {
      // Hand the lease over at once instead of letting it expire.
      await this.scripts.run('feed-release', [this.keys.lease], [this.id]).catch(() => undefined);
      this.holding = false;
    }
  }

  /** One poll: takes or renews the lease, then applies every new change. Returns how many were applied (0 when another process polls). */
  async pollOnce(): Promise<number> {
    // The lease outlives a few intervals, so a slow poll never lets a second poller in.
    const leaseMs = Math.max(3 * this.settings.intervalMs, 1000);
    this.holding = (await this.scripts.run<number>('feed-lease', [this.keys.lease], [this.id, leaseMs])) === 1;
    if (!this.holding) return 0;
    let applied = 0;
    this.behind = false;
    for (const type of this.settings.types) applied += await this.drain(type);
    // Only a poll that read every cursor to its end bounds the lag (see ChangeFeedStatus.lagMs).
    if (!this.behind) await this.command((r) => r.hset(this.keys.state, 'lastPollAt', Date.now()));
    return applied;
  }

  async status(): Promise<ChangeFeedStatus> {
    const [lastPollAt, newestChangeAt] = await this.command((r) => r.hmget(this.keys.state, 'lastPollAt', 'newestChangeAt'));
    return {
      lagMs: lastPollAt ? Math.max(0, Date.now() - Number(lastPollAt)) : null,
      newestChangeAt: newestChangeAt ? Number(newestChangeAt) : null,
      polling: this.holding,
    };
  }

  private async drain(type: string | undefined): Promise<number> {
    const cursorKey = this.keys.cursor(type);
    const saved = await this.command((r) => r.get(cursorKey));
    // A cursor is a continuation token, or `@<time>` before OpenFGA has handed one out.
    let token = saved && !saved.startsWith('@') ? saved : undefined;
    let startTime = saved?.startsWith('@') ? saved.slice(1) : undefined;
    if (!saved) {
      // A new cursor starts a minute back (clock skew between here and OpenFGA);
      // older history is already bounded by the cache TTLs.
      startTime = new Date(Date.now() - START_MARGIN_MS).toISOString();
      await this.command((r) => r.set(cursorKey, `@${startTime}`));
    }
    let applied = 0;
    let reachedEnd = false;
    for (let page = 0; page < MAX_PAGES_PER_POLL && !this.stopping; page++) {
      const { changes, continuationToken } = await this.client.readChanges(type, this.settings.pageSize, token, startTime);
      if (changes.length > 0) {
        await this.buffer.invalidate(changes.map((c) => ({ kind: c.kind, ...c.tuple })));
        const newestChangeAt = Math.max(...changes.map((c) => c.at));
        await this.command((r) => r.hset(this.keys.state, 'newestChangeAt', newestChangeAt));
        this.buffer.events.emit('changeFeedApplied', { count: changes.length, newestChangeAt });
        applied += changes.length;
      }
      // Checkpoint after applying: a crash in between re-applies a page, which only invalidates again.
      if (continuationToken && continuationToken !== token) {
        await this.command((r) => r.set(cursorKey, continuationToken));
        token = continuationToken;
      }
      if (changes.length < this.settings.pageSize) {
        reachedEnd = true;
        break;
      }
    }
    if (!reachedEnd) this.behind = true;
    return applied;
  }

  private command<T>(work: (redis: Redis | Cluster) => Promise<T>): Promise<T> {
    return this.availability ? this.availability.bound('the change feed', () => work(this.redis)) : work(this.redis);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const applied = await this.pollOnce();
      if (applied > 0) this.logger.debug({ message: 'Change feed applied', count: applied });
      this.failures = 0;
      // A backlog beyond one poll's pages: the next poll at once, not an interval later.
      this.schedule(this.behind && !this.stopping ? 0 : this.settings.intervalMs);
    } catch (err) {
      if (this.stopping) return; // closed under it: nothing to report or retry
      this.failures++;
      // Exponential backoff with jitter, capped at a minute.
      const delay = Math.min(60_000, this.settings.intervalMs * 2 ** this.failures) * (0.5 + Math.random() / 2);
      this.logger.warn(`Change feed poll failed (${this.failures} in a row, next in ${Math.round(delay)} ms): ${String(err)}`);
      this.schedule(delay);
    }
  }
}
