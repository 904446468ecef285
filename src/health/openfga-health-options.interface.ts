import { DEFAULT_CONNECTION, validateConnectionName } from '../connection/connection-tokens';
import { isTimerSeconds, MAX_TIMER_SECONDS } from '../timing/seconds';
import { InvalidOptionsError } from '../options/invalid-options.error';

/**
 * Thresholds and probes of `OpenFgaHealthIndicator`, set once with
 * `OpenFgaHealthModule.forRoot()` and overridable per `isHealthy()` call.
 * Durations are in seconds, as in the module options.
 *
 * @example
 * OpenFgaHealthModule.forRoot({ maxPending: 5000, maxOldestAge: 120, maxDeadLetters: Infinity })
 * indicator.isHealthy('openfga_billing', { connection: 'billing' })
 */
export interface OpenFgaHealthOptions {
  /** The connection to check: `default`, or the `name` given to `OpenFgaModule.forRoot`. Default `default`. */
  connection?: string;
  /** Unhealthy when more operations than this are pending (`status().pending.total`). Default 1000. */
  maxPending?: number;
  /**
   * Unhealthy when the oldest operation not yet written to OpenFGA is older than this many seconds: pending, or in
   * flight (being written, or waiting out a retry backoff while OpenFGA refuses writes). Default 60.
   */
  maxOldestAge?: number;
  /** Unhealthy when more operations than this are dead-lettered; `Infinity` ignores them. Default 0. */
  maxDeadLetters?: number;
  /** Also ask OpenFGA (a GetStore request on the configured store). Default `true`. */
  checkOpenFga?: boolean;
  /** Seconds Redis and OpenFGA each have to answer before they count as unreachable. Default 3. */
  timeout?: number;
  /**
   * Unhealthy when a Redis node with a `maxmemory` limit uses more than this share of it (over 0, at most 1).
   * Under `noeviction` a full node refuses writes, grants included. Default 0.9.
   */
  maxMemoryUsage?: number;
}

/**
 * Defaults of `OpenFgaHealthOptions`.
 *
 * @example
 * OpenFgaHealthModule.forRoot({ maxPending: DEFAULT_HEALTH_OPTIONS.maxPending * 5 })
 */
export const DEFAULT_HEALTH_OPTIONS: Required<OpenFgaHealthOptions> = {
  connection: DEFAULT_CONNECTION,
  maxPending: 1000,
  maxOldestAge: 60,
  maxDeadLetters: 0,
  checkOpenFga: true,
  timeout: 3,
  maxMemoryUsage: 0.9,
};

const OWNER = 'OpenFgaHealth';

/** Applies defaults and validates; a bad threshold fails at start-up (or at the call), never silently. */
export function resolveHealthOptions(...layers: (OpenFgaHealthOptions | undefined)[]): Required<OpenFgaHealthOptions> {
  const merged: Record<string, unknown> = { ...DEFAULT_HEALTH_OPTIONS };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (typeof layer !== 'object' || layer === null) throw new InvalidOptionsError('', 'an object', layer, OWNER);
    for (const [key, value] of Object.entries(layer)) {
      if (!(key in DEFAULT_HEALTH_OPTIONS)) {
        throw new InvalidOptionsError(
          key,
          `one of the known options (${Object.keys(DEFAULT_HEALTH_OPTIONS).join(', ')})`,
          'an unknown option',
          OWNER,
        );
      }
      if (value !== undefined) merged[key] = value;
    }
  }
  for (const key of ['maxPending', 'maxOldestAge', 'maxDeadLetters'] as const) {
    const value = merged[key];
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new InvalidOptionsError(key, 'a number >= 0, or Infinity', value, OWNER);
    }
  }
  if (!isTimerSeconds(merged.timeout)) {
    throw new InvalidOptionsError('timeout', `a positive number of seconds, at most ${MAX_TIMER_SECONDS}`, merged.timeout, OWNER);
  }
  const usage = merged.maxMemoryUsage;
  if (typeof usage !== 'number' || !(usage > 0 && usage <= 1)) {
    throw new InvalidOptionsError('maxMemoryUsage', 'a number in (0, 1]', usage, OWNER);
  }
  validateConnectionName(merged.connection, 'OpenFgaHealth option "connection"');
  if (typeof merged.checkOpenFga !== 'boolean') {
    throw new InvalidOptionsError('checkOpenFga', 'true or false', merged.checkOpenFga, OWNER);
  }
  return merged as Required<OpenFgaHealthOptions>;
}
