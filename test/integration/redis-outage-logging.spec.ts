/**
 * A Redis client the module creates reports an outage once (a warning), and
 * its recovery once, instead of ioredis's "Unhandled error event" with a
 * stack trace for every reconnect attempt; closing the module is not an
 * outage. Real redis-server, stopped and started again on the same port.
 */
import { Logger, LoggerService } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createOpenFgaCore } from '../../src/core/openfga-core';
import { resolveOptions } from '../../src/options/resolve-options';
import { freshStore, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import { startRedis } from '../support/harness/servers';

class LineLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (m: unknown, ctx?: string) => this.lines.push(`log ${ctx} ${JSON.stringify(m)}`);
  warn = (m: unknown, ctx?: string) => this.lines.push(`warn ${ctx} ${JSON.stringify(m)}`);
  error = (m: unknown, ctx?: string) => this.lines.push(`error ${ctx} ${JSON.stringify(m)}`);
}

describe('Redis outage logging', () => {
  const logger = new LineLogger();
  beforeAll(() => Logger.overrideLogger(logger));
  afterAll(() => Logger.overrideLogger(['error', 'warn']));

  it('a module-owned client logs one warning for the outage and one line for the recovery, and ioredis prints nothing', async () => {
    const redis = await startRedis();
    const store = await freshStore('redis-outage');
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const core = createOpenFgaCore(resolveOptions(testOptions(store, { redis: redis.url, changeFeed: { enabled: false } })));
    try {
      await core.buffer.counts();
      await core.model.start(); // idle before the outage: the first failure is a refused reconnect
      await redis.stop();
      // ioredis retries every few hundred ms: several failed attempts happen in this window.
      await new Promise((r) => setTimeout(r, 1500));
      const restarted = await startRedis({ port: redis.port });
      try {
        // Calls fail at once while Redis is down (RedisUnavailableError), and work again once it is back.
        await eventually('the client reconnected', () =>
          core.buffer.counts().then(
            () => true,
            () => undefined,
          ),
        );
        const ours = logger.lines.filter((l) => l.includes('OpenFgaRedis'));
        expect(ours).toEqual([
          expect.stringMatching(/^warn OpenFgaRedis .*"Redis connection failed: calls that need it fail at once.*ECONNREFUSED/),
          expect.stringMatching(/^log OpenFgaRedis .*"Redis connection restored"/),
        ]);
        expect(printed.mock.calls.flat().join('\n')).not.toContain('Unhandled error event');
      } finally {
        await core.close();
        await restarted.stop();
      }
    } finally {
      printed.mockRestore();
    }
  }, 60_000);

  it('closing the module is not an outage: no warning, with a client the module owns or a shared one closed after it, and no listener left behind', async () => {
    const redis = await startRedis();
    const store = await freshStore('redis-close');
    const shared = new Redis(redis.url);
    logger.lines.length = 0;
    try {
      const before = ['close', 'end', 'reconnecting', 'ready', 'error'].map((e) => shared.listenerCount(e));
      const owned = createOpenFgaCore(resolveOptions(testOptions(store, { redis: redis.url, changeFeed: { enabled: false } })));
      const onShared = createOpenFgaCore(resolveOptions(testOptions(store, { redis: shared, changeFeed: { enabled: false } })));
      await owned.buffer.counts();
      await onShared.buffer.counts();
      expect(shared.listenerCount('close')).toBeGreaterThan(before[0]);
      await owned.close();
      await onShared.close();
      await shared.quit();
      // The outage warning is logged 100 ms after the connection closes: wait well past it.
      await new Promise((r) => setTimeout(r, 500));
      expect(logger.lines.filter((l) => l.includes('OpenFgaRedis'))).toEqual([]);
      expect(['close', 'end', 'reconnecting', 'ready', 'error'].map((e) => shared.listenerCount(e))).toEqual(before);
    } finally {
      shared.disconnect();
      await redis.stop();
    }
  }, 30_000);
});
