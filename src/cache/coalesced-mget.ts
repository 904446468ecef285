import type { Cluster, Redis } from 'ioredis';
import type { RedisAvailability } from '../redis/redis-availability';

interface Waiting {
  keys: string[];
  resolve(values: (string | null)[]): void;
  reject(err: unknown): void;
}

/** Most keys one coalesced MGET carries; more wait for the next one. */
const MAX_KEYS = 1024;

/**
 * MGETs of one store's keys, coalesced: with none in flight, an MGET goes out
 * at once (no added latency); those asked for while one is in flight wait for
 * it and then go out together as one MGET (all keys of a store share its hash
 * tag, so one command serves them in a Redis Cluster too). Concurrent warm
 * checks then cost one socket write and one read per batch instead of one
 * each, without deferring a lone check the way auto-pipelining does.
 */
export class CoalescedMget {
  private waiting: Waiting[] = [];
  private sending = false;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly availability?: RedisAvailability,
  ) {}

  mget(keys: string[]): Promise<(string | null)[]> {
    if (this.availability) return this.availability.bound('reading cached answers', () => this.coalesced(keys));
    return this.coalesced(keys);
  }

  private coalesced(keys: string[]): Promise<(string | null)[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ keys, resolve, reject });
      if (!this.sending) this.send();
    });
  }

  private send(): void {
    let count = 0;
    let taken = 0;
    while (taken < this.waiting.length && (taken === 0 || count + this.waiting[taken].keys.length <= MAX_KEYS)) {
      count += this.waiting[taken++].keys.length;
    }
    const batch = this.waiting.slice(0, taken);
    this.waiting = this.waiting.slice(taken);
    this.sending = true;
    const keys = batch.length === 1 ? batch[0].keys : batch.flatMap((w) => w.keys);
    this.redis
      .mget(keys)
      .then(
        (values) => {
          let at = 0;
          for (const w of batch) {
            w.resolve(batch.length === 1 ? values : values.slice(at, at + w.keys.length));
            at += w.keys.length;
          }
        },
        (err: unknown) => {
          for (const w of batch) w.reject(err);
        },
      )
      .finally(() => {
        this.sending = false;
        if (this.waiting.length > 0) this.send();
      });
  }
}
