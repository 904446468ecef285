interface Watch {
  /** When the sweep fails it (performance.now() time). */
  at: number;
  fail(): void;
}

/**
 * Bounds many calls by one timeout (reads by `checkTimeout`, Redis calls by
 * `redisTimeout`) without a timer per call: arming and clearing one costs
 * more than a cache hit's own work. Outstanding calls sit in a Set: all share
 * one timeout, so insertion order is deadline order. One timer sweeps it
 * while calls are outstanding and fails the expired ones; a call is failed no
 * later than `timeoutMs` after it started (its deadline is one sweep period
 * early), so the bound holds exactly as with a timer each.
 */
export class Deadlines {
  private readonly watches = new Set<Watch>();
  private readonly sweepMs: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly timeoutMs: number) {
    this.sweepMs = Math.max(1, Math.min(50, Math.floor(timeoutMs / 10)));
  }

  /** Settles as `work`, or rejects with `expired()` once `timeoutMs` have passed. */
  bound<T>(work: Promise<T>, expired: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const watch: Watch = { at: performance.now() + this.timeoutMs - this.sweepMs, fail: () => reject(expired()) };
      this.watches.add(watch);
      if (!this.timer) {
        this.timer = setInterval(() => this.sweep(), this.sweepMs);
        // Pending Redis or HTTP I/O keeps the process alive; the sweep alone must not.
        this.timer.unref();
      }
      work.then(
        (value) => {
          this.watches.delete(watch);
          resolve(value);
        },
        (err: unknown) => {
          this.watches.delete(watch);
          reject(err);
        },
      );
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const watch of this.watches) {
      if (watch.at > now) break;
      this.watches.delete(watch);
      watch.fail();
    }
    if (this.watches.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
