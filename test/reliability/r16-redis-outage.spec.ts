/**
 * R16: a Redis outage under a running app (default options, the module's
 * own connection), standalone and on a Redis Cluster master: killed
 * (SIGKILL), then frozen (SIGSTOP). Every public call is bounded: writes and
 * `status()` reject with RedisUnavailableError within `redisTimeout` (at
 * once while Redis is known down), checks fail closed at once instead of
 * waiting out `checkTimeout`, `app.close()` keeps `shutdownTimeout`, and the
 * outage is logged a bounded number of times. When Redis returns, the same
 * app works again by itself. The timings are reported (they are
 * measurements, bounded here only by the option they must stay under, with
 * a wide margin).
 */
import { Logger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CheckUnavailableError, OpenFgaModule, OpenFgaService, RedisUnavailableError, type OpenFgaModuleOptions } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { OPENFGA_CORE } from '../../src/openfga.constants';
import { freshStore, testOptions } from '../support/harness/env';
import { RunningRedis, startRedis, startRedisCluster } from '../support/harness/servers';
import { reportFigures, sleep } from '../support/reliability/scale';

jest.setTimeout(180_000);

/** Counts warnings by message, so a test can tell how often an outage was logged. */
class CountingLogger implements LoggerService {
  readonly warnings: { at: number; text: string }[] = [];
  log(): void {}
  error(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.warnings.push({ at: Date.now(), text: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; error?: unknown }> {
  const started = Date.now();
  try {
    await work();
    return { ms: Date.now() - started };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

const CHECK_TIMEOUT = 20; // seconds: a check that waited it out would be obvious
const SHUTDOWN_TIMEOUT = 4;

describe.each(['standalone', 'cluster'] as const)('R16: Redis outage under a running app (%s)', (topology) => {
  let servers: { memberFor(key: string): RunningRedis; stop(): Promise<void>; redis: OpenFgaModuleOptions['redis'] };
  beforeEach(async () => {
    if (topology === 'standalone') {
      const member = await startRedis();
      servers = { memberFor: () => member, stop: () => member.stop(), redis: member.url };
    } else {
      // One master per store slot here: killing the master that holds the store is killing "Redis" for it.
      const cluster = await startRedisCluster(3);
      servers = { memberFor: (key) => cluster.shardOf(key).master, stop: () => cluster.stop(), redis: { cluster: cluster.nodes } };
    }
  });
  afterEach(async () => {
    await servers.stop();
  });

  async function openApp(logger: CountingLogger, more: Partial<OpenFgaModuleOptions> = {}) {
    const store = await freshStore('r16');
    const options = testOptions(store, {
      redis: servers.redis,
      checkTimeout: CHECK_TIMEOUT,
      shutdownTimeout: SHUTDOWN_TIMEOUT,
      autoFlush: true,
      flushOnShutdown: true,
      ...more,
    });
    @Module({ imports: [OpenFgaModule.forRoot(options)] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger });
    Logger.overrideLogger(logger);
    app.enableShutdownHooks();
    const fga = app.get(OpenFgaService);
    return { app, fga, store };
  }

  for (const fault of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`${fault}: calls are bounded, checks fail closed at once, close keeps shutdownTimeout, warnings are rate-limited`, async () => {
      const logger = new CountingLogger();
      const { app, fga, store } = await openApp(logger);
      // The server that holds the store's keys (a Cluster master: the store id is the hash tag).
      const member = servers.memberFor(`{${store.storeId}}`);
      await fga.grant('user:anne', 'viewer', 'document:warm');
      await fga.flush();
      expect(await fga.check('user:anne', 'viewer', 'document:warm')).toBe(true); // cached
      const stopped = Date.now();
      member.signal(fault);
      await sleep(200);
      const grant = await timed(() => fga.grant('user:bob', 'viewer', 'document:1'));
      const grantAgain = await timed(() => fga.grant('user:bob', 'viewer', 'document:2'));
      const warm = await timed(() => fga.check('user:anne', 'viewer', 'document:warm'));
      const cold = await timed(() => fga.check('user:carl', 'viewer', 'document:cold'));
      const status = await timed(() => fga.status());
      await sleep(3000); // the age trigger keeps ticking: count what it logs
      const windowMs = Date.now() - stopped;
      const warningsPerSecond = logger.warnings.filter((w) => w.at >= stopped).length / (windowMs / 1000);
      const figures = {
        topology,
        fault,
        grantMs: grant.ms,
        grantAgainMs: grantAgain.ms,
        warmCheckMs: warm.ms,
        coldCheckMs: cold.ms,
        statusMs: status.ms,
        warningsPerSecond: Number(warningsPerSecond.toFixed(2)),
        errors: [grant, grantAgain, warm, cold, status].map((r) =>
          r.error instanceof Error ? `${r.error.name}: ${r.error.message}` : String(r.error),
        ),
      };
      // Redis comes back: the same app works again by itself.
      if (fault === 'SIGSTOP') member.signal('SIGCONT');
      else await member.restart();
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = await fga.grant('user:dora', 'viewer', 'document:back').then(
          () => true,
          () => false,
        );
        if (!recovered) await sleep(200);
      }
      // app.close() while Redis is down again: shutdownTimeout holds.
      member.signal(fault === 'SIGSTOP' ? 'SIGSTOP' : 'SIGKILL');
      await sleep(200);
      const close = await timed(() => app.close());
      if (fault === 'SIGSTOP') member.signal('SIGCONT');
      reportFigures(`R16-${topology}-${fault}`, JSON.stringify({ ...figures, closeMs: close.ms, recovered }), {
        ...figures,
        closeMs: close.ms,
      });

      expect(grant.error).toBeInstanceOf(RedisUnavailableError);
      expect(grantAgain.error).toBeInstanceOf(RedisUnavailableError);
      expect(String((grant.error as Error).message)).toMatch(/^Redis is unavailable/);
      expect(warm.error).toBeInstanceOf(CheckUnavailableError);
      expect(cold.error).toBeInstanceOf(CheckUnavailableError);
      expect(status.error).toBeInstanceOf(RedisUnavailableError);
      // Bounded by redisTimeout (2 s), far under checkTimeout (20 s) and the 10 s ioredis took before.
      for (const ms of [grant.ms, grantAgain.ms, warm.ms, cold.ms, status.ms]) expect(ms).toBeLessThan((CHECK_TIMEOUT * 1000) / 2);
      expect(close.ms).toBeLessThan((SHUTDOWN_TIMEOUT + 6) * 1000);
      expect(warningsPerSecond).toBeLessThan(2);
      expect(recovered).toBe(true);
    });
  }

  it('a change-feed poll that Redis froze under does not hold app.close() past shutdownTimeout', async () => {
    const { app, store } = await openApp(new CountingLogger(), { changeFeed: { enabled: true, interval: 0.05 } });
    const member = servers.memberFor(`{${store.storeId}}`);
    const client = app.get<OpenFgaCore>(OPENFGA_CORE).client;
    const readChanges = client.readChanges.bind(client);
    let frozen = false;
    // The real request; Redis freezes as its answer comes, so the poll's next Redis command finds it frozen.
    jest.spyOn(client, 'readChanges').mockImplementation(async (...args) => {
      const page = await readChanges(...args);
      if (!frozen) {
        frozen = true;
        member.signal('SIGSTOP');
      }
      return page;
    });
    while (!frozen) await sleep(10);
    const thaw = setTimeout(() => member.signal('SIGCONT'), 60_000); // before: close() waited for this
    const close = await timed(() => app.close());
    clearTimeout(thaw);
    member.signal('SIGCONT');
    reportFigures(`R16-${topology}-feed-frozen`, JSON.stringify({ closeMs: close.ms }), { closeMs: close.ms });
    expect(close.error).toBeUndefined();
    expect(close.ms).toBeLessThan((SHUTDOWN_TIMEOUT + 6) * 1000);
  });
});
