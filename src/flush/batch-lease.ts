/** What one renewal found: the lease renewed, or lost (the batch is gone, or another job owns it). */
export type LeaseRenewalStatus = 'held' | 'lost';

/** Renews the lease to `sentAt + leaseMs`; `sentAt` is when the renewal was sent, by this process's clock. */
export type RenewLease = (sentAt: number) => Promise<LeaseRenewalStatus>;

export interface BatchLeaseSettings {
  /** How long one renewal keeps the lease (the batch lease; queue mode: the job's ownership). */
  leaseMs: number;
  /** When the lease ends as things stand: the claim (or first renewal) sent at `t` holds it until `t + leaseMs`. */
  validUntil: number;
  /** Renewal period; default leaseMs / 3. */
  intervalMs?: number;
  /** Writing stops this long before `validUntil` without a confirmed renewal; default leaseMs / 3. */
  marginMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * Keeps the lease of one claimed batch while it is written: the one
 * heartbeat of the inline flusher (from claim to write) and of queue jobs.
 *
 * Its view of the lease is conservative: a renewal counts only once
 * confirmed, from the time it was sent. `signal` aborts when a renewal finds
 * the lease gone (or owned by another job), or when the lease is about to end
 * without a confirmed renewal (a stalled process, a Redis that does not
 * answer). A writer must not start a request after that: another process
 * may take the batch over once the lease ended plus a grace that covers a
 * request in flight (see claim-11.lua), and write newer operations first.
 */
export class BatchLease {
  private readonly controller = new AbortController();
  private readonly settings: Required<BatchLeaseSettings>;
  private validUntil: number;
  private readonly heartbeat: NodeJS.Timeout;
  private expiry?: NodeJS.Timeout;
  private renewing = false;
  private stopped = false;

  constructor(
    private readonly renew: RenewLease,
    settings: BatchLeaseSettings,
  ) {
    this.settings = { intervalMs: settings.leaseMs / 3, marginMs: settings.leaseMs / 3, now: Date.now, ...settings };
    this.validUntil = settings.validUntil;
    this.heartbeat = setInterval(() => void this.tick(), this.settings.intervalMs);
    this.armExpiry();
  }

  /** Aborts once writing must stop; its reason says why. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** When the lease ends as far as this process knows (ms). */
  get until(): number {
    return this.validUntil;
  }

  /**
   * Why no request may start now, or undefined: checked right before each
   * request. Reads the clock too, since the timers of a process that stalled
   * fire late, possibly after the answer that lets it send the next request.
   */
  readonly fence = (): string | undefined => {
    if (!this.expireIfDue()) return undefined;
    const reason: unknown = this.controller.signal.reason;
    return reason instanceof Error ? reason.message : String(reason);
  };

  /** Stops renewing (the batch is settled, released or handed to a job). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
  }

  private async tick(): Promise<void> {
    if (this.renewing || this.stopped || this.controller.signal.aborted) return;
    this.renewing = true;
    const sentAt = this.settings.now();
    try {
      const status = await this.renew(sentAt);
      if (this.stopped) return;
      if (status === 'lost') this.abort('the batch lease was lost to another flusher');
      else {
        this.validUntil = Math.max(this.validUntil, sentAt + this.settings.leaseMs);
        this.armExpiry();
      }
    } catch {
      // Redis did not answer: the lease may run out; the expiry timer stops writing in time.
    } finally {
      this.renewing = false;
    }
  }

  private armExpiry(): void {
    clearTimeout(this.expiry);
    if (this.stopped || this.expireIfDue()) return;
    this.expiry = setTimeout(() => this.expireIfDue(), this.stopAt() - this.settings.now());
  }

  private stopAt(): number {
    return this.validUntil - this.settings.marginMs;
  }

  /** Aborts when the lease is about to end unrenewed; true when aborted. */
  private expireIfDue(): boolean {
    if (!this.controller.signal.aborted && !this.stopped && this.settings.now() >= this.stopAt()) {
      this.abort('the batch lease is about to expire without a confirmed renewal');
    }
    return this.controller.signal.aborted;
  }

  private abort(reason: string): void {
    if (this.controller.signal.aborted) return;
    this.controller.abort(new Error(reason));
    clearInterval(this.heartbeat);
    clearTimeout(this.expiry);
  }
}
