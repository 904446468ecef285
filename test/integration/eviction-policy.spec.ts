/**
 * Start-up refuses a Redis that may evict the module's keys (`allkeys-*`):
 * evicted generation keys read as 0 again and revive invalidated cached
 * answers. Each case runs its own redis-server on a loopback port.
 */
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { OpenFgaModule, UnsafeEvictionPolicyError } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { RunningRedis, startRedis } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';

describe('maxmemory-policy at start-up', () => {
  let store: TestStore;
  const servers: RunningRedis[] = [];
  const server = async (args: string[] = []) => {
    const redis = await startRedis({ args });
    servers.push(redis);
    return redis;
  };
  const boot = (url: string) =>
    Test.createTestingModule({ imports: [OpenFgaModule.forRoot(testOptions(store, { redis: url, changeFeed: { enabled: false } }))] })
      .compile()
      .then(async (app) => {
        await app.close();
        return 'started';
      });

  beforeAll(async () => {
    store = await freshStore('eviction');
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('refuses a server started with allkeys-lru, naming the node, the policy and the accepted ones', async () => {
    const redis = await server(['--maxmemory-policy', 'allkeys-lru']);
    const err = await boot(redis.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeEvictionPolicyError);
    expect((err as Error).message).toBe(
      `Redis 127.0.0.1:${redis.port} has maxmemory-policy "allkeys-lru", which may evict keys without a TTL: evicted ` +
        'generation keys would revive invalidated cached answers and buffered operations would be lost. Set ' +
        'maxmemory-policy to one of noeviction, volatile-lru, volatile-lfu, volatile-random, volatile-ttl.',
    );
  });

  it('follows CONFIG SET: refuses allkeys-lfu and allkeys-random, starts with noeviction and every volatile-* policy', async () => {
    const redis = await server();
    const admin = new Redis(redis.url);
    try {
      for (const [policy, outcome] of [
        ['allkeys-lfu', 'refused'],
        ['allkeys-random', 'refused'],
        ['noeviction', 'started'],
        ['volatile-lru', 'started'],
        ['volatile-lfu', 'started'],
        ['volatile-random', 'started'],
        ['volatile-ttl', 'started'],
      ]) {
        await admin.config('SET', 'maxmemory-policy', policy);
        const got = await boot(redis.url).catch((e: unknown) => (e instanceof UnsafeEvictionPolicyError ? 'refused' : e));
        expect([policy, got]).toEqual([policy, outcome]);
      }
    } finally {
      admin.disconnect();
    }
  });

  it('warns, and starts, when a maxmemory limit comes with noeviction (a full Redis would refuse grants); not under volatile-*', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const noeviction = expect.objectContaining({ message: expect.stringContaining('with maxmemory-policy noeviction') });
    const limited = await server(['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction']);
    await expect(boot(limited.url)).resolves.toBe('started');
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        message: expect.stringContaining(`Redis 127.0.0.1:${limited.port} has maxmemory 67108864 with maxmemory-policy noeviction`),
        recommended: ['volatile-lru', 'volatile-lfu', 'volatile-ttl'],
      }),
    );
    warn.mockClear();
    const viaInfo = await server(['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction', '--rename-command', 'CONFIG', '']);
    await expect(boot(viaInfo.url)).resolves.toBe('started');
    expect(warn).toHaveBeenCalledWith(noeviction);
    warn.mockClear();
    for (const args of [
      ['--maxmemory', '64mb', '--maxmemory-policy', 'volatile-lru'],
      ['--maxmemory-policy', 'noeviction'],
    ]) {
      await expect(boot((await server(args)).url)).resolves.toBe('started');
    }
    expect(warn).not.toHaveBeenCalledWith(noeviction);
  });

  it('reads INFO memory when CONFIG is renamed away (as on managed Redis)', async () => {
    const redis = await server(['--maxmemory-policy', 'allkeys-random', '--rename-command', 'CONFIG', '']);
    await expect(boot(redis.url)).rejects.toThrow('has maxmemory-policy "allkeys-random"');
  });

  it('warns and starts when neither CONFIG nor INFO answers', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const redis = await server(['--maxmemory-policy', 'allkeys-lru', '--rename-command', 'CONFIG', '', '--rename-command', 'INFO', '']);
    await expect(boot(redis.url)).resolves.toBe('started');
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.stringMatching(/^Could not read Redis maxmemory-policy/) }),
    );
  });
});
