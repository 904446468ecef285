/** What every benchmark gets: the real servers, fresh stores, the real service on a fresh prefix, cleanup between benchmarks. */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { OpenFgaApi } from '@openfga/sdk';
import { Redis } from 'ioredis';
import { createOpenFgaCore, OpenFgaCore } from '../../src/core/openfga-core';
import { OpenFgaService } from '../../src/openfga.service';
import type { OpenFgaModuleOptions } from '../../src/options/openfga-options.interface';
import { resolveOptions } from '../../src/options/resolve-options';
import { createStore, TestStore } from '../../test/support/harness/store';

export interface BenchServers {
  redisUrl: string;
  apiUrl: string;
  maxTuplesPerWrite: number;
}

export interface BenchService {
  service: OpenFgaService;
  core: OpenFgaCore;
  options: OpenFgaModuleOptions;
}

export interface BenchContext extends BenchServers {
  quick: boolean;
  /** The bench's own Redis (never one shared with anything else), for baselines and INFO/MEMORY. */
  redis: Redis;
  /** A fresh OpenFGA store with test/fixtures/model.fga. */
  newStore(name: string): Promise<TestStore>;
  /** Module options on a fresh key prefix; automatic flush triggers off so the backlog is what the benchmark makes it. */
  moduleOptions(store: TestStore, overrides?: Partial<OpenFgaModuleOptions>): OpenFgaModuleOptions;
  /** The real core + service (createOpenFgaCore + OpenFgaService), closed after the benchmark. */
  openService(store: TestStore, overrides?: Partial<OpenFgaModuleOptions>): BenchService;
  /** A raw @openfga/sdk API client, the baseline of the OpenFGA comparisons. */
  sdk(): OpenFgaApi;
  /** Registers something to close after the benchmark. */
  defer(close: () => Promise<unknown>): void;
}

export interface OwnedContext {
  ctx: BenchContext;
  /** Closes what the benchmark opened and empties the bench's Redis (FLUSHDB). */
  cleanup(): Promise<void>;
  close(): Promise<void>;
}

export function createContext(servers: BenchServers, quick: boolean): OwnedContext {
  // The flusher logs every flush at "log" level; keep the report readable.
  Logger.overrideLogger(['error', 'warn']);
  const redis = new Redis(servers.redisUrl, { lazyConnect: false });
  let deferred: (() => Promise<unknown>)[] = [];
  const ctx: BenchContext = {
    ...servers,
    quick,
    redis,
    newStore: (name) => createStore(servers.apiUrl, `bench-${name}-${randomUUID().slice(0, 8)}`),
    moduleOptions: (store, overrides = {}) => ({
      apiUrl: servers.apiUrl,
      storeId: store.storeId,
      authorizationModelId: store.modelId,
      redis: servers.redisUrl,
      prefix: `b${randomUUID().slice(0, 8)}`,
      maxTuplesPerWrite: servers.maxTuplesPerWrite,
      autoFlush: false,
      flushOnShutdown: false,
      ...overrides,
    }),
    openService(store, overrides) {
      const options = ctx.moduleOptions(store, overrides);
      const core = createOpenFgaCore(resolveOptions(options));
      deferred.push(() => core.close());
      return { core, service: new OpenFgaService(core), options };
    },
    sdk: () => new OpenFgaApi({ apiUrl: servers.apiUrl }),
    defer: (close) => void deferred.push(close),
  };
  return {
    ctx,
    async cleanup() {
      const closing = deferred.reverse();
      deferred = [];
      for (const close of closing) await close().catch(() => undefined);
      await redis.flushdb();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
