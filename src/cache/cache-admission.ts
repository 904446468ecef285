import type { Cluster, Redis } from 'ioredis';
import type { OpenFgaEvents } from '../events/openfga-events';
import { rateLimitedLogger } from '../logging/rate-limited-logger';
import { fullestNode, readNodesMemory, RedisMemory } from '../redis/redis-memory';

/** How often the nodes' memory is read. A flood between two reads overshoots by at most what it caches in that time. */
const SAMPLE_MS = 1000;
/** Fills resume below this share of the limit, so they do not flap at the edge. */
const RESUME_BELOW = 0.95;

/**
 * Whether answers may be cached now. Cached answers carry a TTL, buffered
 * operations none: under a `volatile-*` policy Redis evicts answers before it
 * refuses a grant, but under `noeviction` (Redis's default) with `maxmemory`,
 * answers any signed-in caller can make the module cache would fill the node
 * until grants fail. There, once a node holding the module's keys uses
 * `limit` of its `maxmemory`, no answer is cached (checks still answer, from
 * OpenFGA) until it drops back: the room left is the buffer's.
 *
 * The memory is read once a second per process (INFO memory on each node), off
 * the request path; a failed read keeps the last verdict.
 */
export class CacheAdmission {
  private readonly log = rateLimitedLogger('OpenFgaCache');
  private timer?: NodeJS.Timeout;
  private reading = false;
  private paused = false;
  private last?: RedisMemory;
  /** Bytes past which answers are not cached (the fullest `noeviction` node's share), from the last read. */
  private limitBytes?: number;
  /** The used bytes at the last read, plus what this process cached since (estimated): a read a second is too coarse for a flood. */
  private usedBytes = 0;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly events: OpenFgaEvents,
    /** Share of `maxmemory` (0-1] past which a `noeviction` node takes no more cached answers. */
    private readonly limit: number,
  ) {}

  /** Whether an answer may be cached now. */
  get admits(): boolean {
    return !this.paused && (this.limitBytes === undefined || this.usedBytes < this.limitBytes);
  }

  /** Counts what a fill added (keys and values, plus Redis's per-key overhead), until the next read. */
  added(bytes: number): void {
    this.usedBytes += bytes;
  }

  /** The fullest node at the last read (undefined: no node has a `maxmemory`, or not read yet). */
  get memory(): RedisMemory | undefined {
    return this.last;
  }

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads the nodes' memory and decides; exposed so a test need not wait for the timer. */
  async sample(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const nodes = await readNodesMemory(this.redis);
      this.last = fullestNode(nodes);
      const share = (m: RedisMemory) => m.usedBytes / m.maxBytes;
      const unevictable = nodes.filter((m) => m.policy === 'noeviction');
      const fullest = fullestNode(unevictable);
      const pause = fullest !== undefined && share(fullest) >= (this.paused ? this.limit * RESUME_BELOW : this.limit);
      this.limitBytes = fullest ? fullest.maxBytes * this.limit : undefined;
      this.usedBytes = fullest ? fullest.usedBytes : 0;
      if (pause !== this.paused) this.turn(pause, fullest ?? this.last);
    } catch {
      // Redis unreachable: fills fail on their own; keep the last verdict.
    } finally {
      this.reading = false;
    }
  }

  private turn(pause: boolean, m: RedisMemory | undefined): void {
    this.paused = pause;
    const at = m ? { node: m.node, usedBytes: m.usedBytes, maxBytes: m.maxBytes } : {};
    if (pause) {
      this.log.warn(
        `Redis is near its maxmemory under noeviction: answers are not cached until it drops below ${this.limit} of it, ` +
          'so buffered grants and revokes keep the room left (set a volatile-* maxmemory-policy to let Redis evict cached answers instead)',
        at,
      );
    } else {
      this.log.log('Redis memory back under the cache limit: caching answers again', at);
    }
    this.events.emit('cacheFills', { paused: pause, ...(m ? { node: m.node, usedBytes: m.usedBytes, maxBytes: m.maxBytes } : {}) });
  }
}
