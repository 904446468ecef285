import type { Cluster, Redis } from 'ioredis';
import { ReplyError } from 'ioredis';
import { rateLimitedLogger } from '../logging/rate-limited-logger';
import { Deadlines } from '../timing/deadlines';
import { RedisUnavailableError } from './redis-unavailable.error';

/** How often a Redis that stopped answering is probed (PING) until it answers again. */
const PROBE_MS = 250;
/** Replies that mean "this node cannot serve now", not "this command is wrong". */
const UNAVAILABLE_REPLY = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|BUSY)\b/;

/**
 * Whether the module's Redis is reachable, and the bound on every call that
 * needs it. ioredis queues commands while it reconnects and retries them for
 * seconds, which held `grant` for 10 s and `status()` for 22 s on a killed
 * Redis; here a call made while Redis is known to be down fails at once (and
 * sends nothing, so nothing is applied later), and one that gets no answer
 * within `redisTimeout` fails then. Redis is known down from the client's
 * `close`/`reconnecting` events until `ready`, and after a call timed out
 * until a PING answers (a frozen server keeps its connections open). It
 * recovers by itself. Outage warnings are rate-limited.
 */
export class RedisAvailability {
  private downSince?: { at: number; reason: string };
  private probing?: NodeJS.Timeout;
  private lastError?: string;
  /** One sweep bounds every call, not a timer each (the warm check's MGET goes through here). */
  private readonly deadlines: Deadlines;
  private announce?: NodeJS.Timeout;
  private readonly log = rateLimitedLogger('OpenFgaRedis');
  private readonly listeners: Record<string, (err: Error) => void>;
  private closed = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly timeoutMs: number,
    /** A key of the store: the probe reads it, so in a Redis Cluster it asks the node that holds the store. */
    private readonly routeKey: string,
  ) {
    this.deadlines = new Deadlines(timeoutMs);
    this.listeners = {
      ready: () => this.markUp(),
      close: () => this.markDown('connection closed'),
      reconnecting: () => this.markDown('reconnecting'),
      end: () => this.markDown('connection ended'),
      // The cause, for the one warning an outage logs (the client reports it just after 'close').
      error: (err: Error) => {
        this.lastError = err.message;
      },
    };
    for (const [event, listener] of Object.entries(this.listeners)) redis.on(event, listener);
  }

  /** Why Redis is known to be down, or undefined when it is not. */
  get down(): string | undefined {
    return this.downSince?.reason;
  }

  /**
   * Runs `work` (Redis commands) for `operation`: at once RedisUnavailableError while Redis is known down;
   * else its result, or RedisUnavailableError when it gets no answer within the timeout or the connection fails.
   */
  bound<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const down = this.downSince;
    // Rejected on the next turn of the event loop, not as a microtask: a caller retrying in a loop must not starve I/O.
    if (down) return new Promise((_, reject) => setImmediate(() => reject(new RedisUnavailableError(operation, down.reason, false))));
    return this.deadlines.bound(
      work().catch((err: unknown) => {
        // Redis refuses a write script whole when maxmemory is reached under noeviction: say so, nothing was written.
        if (err instanceof Error && /^OOM\b/.test(err.message)) {
          throw new RedisUnavailableError(operation, 'out of memory: maxmemory reached with a noeviction policy', false, err);
        }
        if (!isUnavailable(err)) throw err;
        const known = this.downSince !== undefined;
        // A Cluster master gone (the client stays connected to the others): known down until the probe answers.
        this.markDown(errorText(err), true);
        throw new RedisUnavailableError(operation, errorText(err), !known, err);
      }),
      () => {
        const reason = `no answer within redisTimeout (${this.timeoutMs} ms)`;
        this.markDown(reason);
        return new RedisUnavailableError(operation, reason, true);
      },
    );
  }

  /**
   * On module close, before its client is closed: a connection the module closes (or a shared client
   * closed after it) is not an outage, so nothing is probed or logged, and a shared client keeps no
   * listener of a closed module.
   */
  close(): void {
    this.closed = true;
    this.stopProbing();
    clearTimeout(this.announce);
    this.announce = undefined;
    for (const [event, listener] of Object.entries(this.listeners)) this.redis.off(event, listener);
  }

  private stopProbing(): void {
    clearTimeout(this.probing);
    this.probing = undefined;
  }

  private markDown(reason: string, probe = reason.startsWith('no answer')): void {
    if (this.closed) return;
    if (!this.downSince) {
      this.downSince = { at: Date.now(), reason };
      this.lastError = undefined;
      // Logged a moment later, with the client's error for it (ECONNREFUSED, …) when one came.
      this.announce = setTimeout(() => {
        this.log.warn('Redis connection failed: calls that need it fail at once until it answers again', {
          reason,
          ...(this.lastError ? { error: this.lastError } : {}),
        });
      }, 100);
      this.announce.unref();
    }
    // A frozen server keeps its connection, a Cluster client its other nodes: probe; a closed one is reported ready by the client.
    if (!this.probing && probe) this.probe();
  }

  private markUp(): void {
    if (!this.downSince) return;
    const downMs = Date.now() - this.downSince.at;
    this.downSince = undefined;
    this.stopProbing();
    if (this.announce) clearTimeout(this.announce);
    this.announce = undefined;
    this.log.log('Redis connection restored', { downMs });
  }

  private probe(): void {
    this.probing = setTimeout(() => {
      const answered = this.redis.exists(this.routeKey).then(
        () => true,
        () => false,
      );
      const late = new Promise<boolean>((r) => setTimeout(() => r(false), this.timeoutMs).unref());
      void Promise.race([answered, late]).then((ok) => {
        this.probing = undefined;
        if (this.closed) return;
        if (ok) this.markUp();
        else if (this.downSince) this.probe();
      });
    }, PROBE_MS);
    this.probing.unref();
  }
}

function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ReplyError) return UNAVAILABLE_REPLY.test(err.message);
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|Failed to refresh slots cache|All sentinels are unreachable|None of startup nodes is available|Too many Cluster redirections|Cluster isn't ready/i.test(
      err.message,
    )
  );
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
