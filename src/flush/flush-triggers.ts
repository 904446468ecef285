import { rateLimitedLogger } from '../logging/rate-limited-logger';
import type { WriteBuffer } from '../buffer/write-buffer';
import type { Flusher } from './flusher';

/**
 * The automatic flush triggers of one process: size (on enqueue) and age
 * (a light timer asking Redis whether the oldest op is older than
 * `flushInterval`, or a lease has expired). Flushes run outside the request path.
 */
export class FlushTriggers {
  /** Rate-limited: the age timer ticks up to 20 times a second, and Redis may be down for minutes. */
  private readonly logger = rateLimitedLogger('OpenFgaFlushTriggers');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly buffer: WriteBuffer,
    private readonly flusher: Flusher,
    private readonly batchSize: number,
    private readonly flushIntervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    const every = Math.max(50, Math.min(1000, this.flushIntervalMs / 2));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Size trigger: called with the claimable count after each enqueue. */
  onEnqueued(queued: number): void {
    if (this.timer && queued >= this.batchSize) this.flusher.kick();
  }

  private async tick(): Promise<void> {
    if (this.flusher.busy) return;
    try {
      if (await this.buffer.isFlushDue(this.flushIntervalMs)) this.flusher.kick();
    } catch (err) {
      this.logger.warn('Age trigger could not reach Redis', { reason: String(err) });
    }
  }
}
