import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import { getOpenFgaCoreToken } from '../connection/connection-tokens';
import type { OpenFgaCore } from '../core/openfga-core';
import { appConnections, OpenFgaConnection, resolveConnection } from '../connection/app-connections';
import { readRedisMemory, RedisMemory } from '../redis/redis-memory';
import type { OpenFgaStatus } from '../openfga.service';
import { OPENFGA_HEALTH_OPTIONS } from './openfga-health.module-definition';
import { OpenFgaHealthOptions, resolveHealthOptions } from './openfga-health-options.interface';
import { OpenFgaProbe } from './openfga-probe';
import { secondsToMs } from '../timing/seconds';

/**
 * What the indicator reports under its key. `status` and the layout follow
 * @nestjs/terminus 11 (`HealthIndicatorService.check(key).up/down(details)`),
 * so it lands in the health check's `info`/`error`/`details` as any indicator.
 *
 * @example
 * { status: 'down', reasons: ['3 operations pending, over maxPending (2)'], message: '3 operations pending, ...',
 *   connection: 'default', redis: 'up', openfga: 'up', pending: 3, oldestAgeMs: 12, inFlight: 0, deadLettered: 0 }
 */
export type OpenFgaHealthDetails = {
  status: 'up' | 'down';
  /** The connection checked: `default`, or the `name` given to `OpenFgaModule.forRoot`. */
  connection: string;
  /** Why it is down; empty when up. */
  reasons: string[];
  /** The reasons in one line (only when down), for dashboards that show `message`. */
  message?: string;
  /** Whether the buffer's Redis answered `status()` in time. */
  redis: 'up' | 'down';
  /** Whether OpenFGA answered in time; `skipped` with `checkOpenFga: false`. */
  openfga: 'up' | 'down' | 'skipped';
  /** Pending operations (absent when Redis is down). */
  pending?: number;
  /**
   * Age of the oldest operation not yet written to OpenFGA: pending, or in flight (being written or waiting out a
   * retry backoff); null when there is none (absent when Redis is down). See `status().oldestAgeMs`.
   */
  oldestAgeMs?: number | null;
  /** Operations claimed by a flush and not yet settled: being written, or waiting out a retry backoff. */
  inFlight?: number;
  deadLettered?: number;
  /** `scoped` when cache invalidation follows the model's relation graph; `store-wide` (slower, still correct) when it cannot. */
  invalidation?: 'scoped' | 'store-wide';
  /** Why invalidation is store-wide. */
  invalidationReason?: string;
  /** The fullest Redis node against its `maxmemory`; absent when no node has a limit (or with the testing fake). */
  redisMemory?: RedisMemory;
};

/**
 * The result of `isHealthy(key)`: terminus's `HealthIndicatorResult` shape,
 * `{ [key]: { status: 'up' | 'down', ...details } }`.
 *
 * @example
 * const result: OpenFgaHealthIndicatorResult<'openfga'> = await indicator.isHealthy('openfga');
 * result.openfga.status; // 'up'
 */
export type OpenFgaHealthIndicatorResult<Key extends string = string> = { [K in Key]: OpenFgaHealthDetails };

/**
 * A @nestjs/terminus health indicator for the write-behind buffer: down when
 * the backlog or the age of the oldest operation not yet written to OpenFGA
 * (pending, or in flight: being written or waiting out a retry backoff, as
 * during an outage of OpenFGA's writes) is over its threshold, when dead
 * letters are present, or when Redis or OpenFGA do not answer in time; the
 * reasons are in the details. It returns a `down` result
 * (terminus 11 style) instead of throwing the deprecated `HealthCheckError`,
 * and needs no import of @nestjs/terminus at run time.
 *
 * One call checks one connection (`connection`, default `default`), so each
 * connection is an indicator of its own under its own key in terminus's result.
 *
 * @example
 * // in a controller method decorated with HealthCheck():
 * return this.health.check([() => this.openfgaHealth.isHealthy('openfga')]);
 * // every connection of the app, one key each:
 * return this.health.check(this.openfgaHealth.connections().map((c) => () => this.openfgaHealth.isHealthy(`openfga_${c}`, { connection: c })));
 */
@Injectable()
export class OpenFgaHealthIndicator implements OnModuleInit, OnModuleDestroy {
  private readonly defaults: Required<OpenFgaHealthOptions>;
  private readonly probes = new Map<string, OpenFgaProbe>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Optional() @Inject(OPENFGA_HEALTH_OPTIONS) private readonly given?: OpenFgaHealthOptions,
  ) {
    this.defaults = resolveHealthOptions(given);
  }

  /** A `connection` set in `forRoot` must exist: checked at start, not at the first probe. */
  onModuleInit(): void {
    if (this.given?.connection !== undefined) this.resolve(this.defaults.connection);
  }

  /** Closes the probes' connections to OpenFGA. */
  onModuleDestroy(): void {
    for (const probe of this.probes.values()) probe.close();
    this.probes.clear();
  }

  /**
   * The connections of the application (`default` first, then by name), for one `isHealthy` per connection.
   *
   * @example
   * this.openfgaHealth.connections() // ['default', 'billing']
   */
  connections(): string[] {
    return [...appConnections(this.modules).keys()];
  }

  /**
   * Checks Redis (through `status()`) and OpenFGA in parallel, each bounded
   * by `timeout`, then the thresholds. `options` override the module's for this call.
   * A `connection` the app does not have rejects, naming those it has.
   *
   * @example
   * await indicator.isHealthy('openfga', { maxPending: 500 });
   * await indicator.isHealthy('openfga_billing', { connection: 'billing' });
   */
  async isHealthy<const Key extends string>(key: Key, options?: OpenFgaHealthOptions): Promise<OpenFgaHealthIndicatorResult<Key>> {
    const o = resolveHealthOptions(this.defaults, options);
    const connection = this.resolve(o.connection);
    const core = this.core(connection.name);
    const timeoutMs = secondsToMs(o.timeout);
    const [status, openfga, memory] = await Promise.all([
      settle(withTimeout(connection.service.status(), timeoutMs)),
      o.checkOpenFga ? settle(withTimeout(this.probe(connection).reach(timeoutMs), timeoutMs)) : undefined,
      // An unreachable Redis is reported through status(); a failed memory read adds nothing.
      core ? settle(withTimeout(readRedisMemory(core.redis), timeoutMs)) : undefined,
    ]);

    const reasons: string[] = [];
    const details: Omit<OpenFgaHealthDetails, 'status' | 'reasons'> = {
      connection: connection.name,
      redis: status.ok ? 'up' : 'down',
      openfga: openfga === undefined ? 'skipped' : openfga.ok ? 'up' : 'down',
    };
    if (!status.ok) reasons.push(`Redis unreachable: ${status.error}`);
    if (openfga && !openfga.ok) reasons.push(`OpenFGA unreachable: ${openfga.error}`);
    if (status.ok) {
      const s: OpenFgaStatus = status.value;
      Object.assign(details, {
        pending: s.pending.total,
        oldestAgeMs: s.oldestAgeMs,
        inFlight: s.inFlight,
        deadLettered: s.deadLettered,
        // Store-wide invalidation is correct, only slower: shown, never a reason to report "down".
        invalidation: s.model.invalidation,
        ...(s.model.reason ? { invalidationReason: s.model.reason } : {}),
      });
      if (s.pending.total > o.maxPending) {
        reasons.push(`${operations(s.pending.total)} pending, over maxPending (${o.maxPending})`);
      }
      if (s.oldestAgeMs !== null && s.oldestAgeMs > o.maxOldestAge * 1000) {
        reasons.push(`oldest unwritten operation is ${s.oldestAgeMs} ms old, over maxOldestAge (${o.maxOldestAge} s)`);
      }
      if (s.deadLettered > o.maxDeadLetters) {
        reasons.push(`${operations(s.deadLettered)} dead-lettered, over maxDeadLetters (${o.maxDeadLetters}): see getDeadLetters()`);
      }
    }
    if (memory?.ok && memory.value) {
      const m = memory.value;
      details.redisMemory = m;
      if (m.usedBytes > m.maxBytes * o.maxMemoryUsage) {
        reasons.push(
          `Redis ${m.node} uses ${Math.round((100 * m.usedBytes) / m.maxBytes)}% of maxmemory (${m.usedBytes} of ${m.maxBytes} bytes), ` +
            `over maxMemoryUsage (${o.maxMemoryUsage}): once full, writes may fail`,
        );
      }
    }
    const result: OpenFgaHealthDetails =
      reasons.length > 0 ? { status: 'down', reasons, message: reasons.join('; '), ...details } : { status: 'up', reasons, ...details };
    return { [key]: result } as OpenFgaHealthIndicatorResult<Key>;
  }

  private resolve(name: string): OpenFgaConnection {
    try {
      return resolveConnection(this.moduleRef, this.modules, name);
    } catch (err) {
      throw new Error(`OpenFgaHealth: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The connection's core, for Redis memory; absent under OpenFgaTestingModule (no Redis, no memory to report). */
  private core(name: string): OpenFgaCore | undefined {
    try {
      return this.moduleRef.get<OpenFgaCore>(getOpenFgaCoreToken(name), { strict: false });
    } catch {
      return undefined;
    }
  }

  private probe({ name, options }: OpenFgaConnection): OpenFgaProbe {
    let probe = this.probes.get(name);
    if (!probe) this.probes.set(name, (probe = new OpenFgaProbe(options)));
    return probe;
  }
}

const operations = (n: number) => `${n} operation${n === 1 ? '' : 's'}`;

type Settled<T> = { ok: true; value: T } | { ok: false; error: string };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
  );
}

/** Rejects after `ms`; the abandoned promise's late rejection is swallowed so it never goes unhandled. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
