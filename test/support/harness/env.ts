/** Addresses of the servers the global setup started, and per-suite isolation helpers. */
import { randomUUID } from 'node:crypto';
import type { OpenFgaModuleOptions, RedisConnection } from '../../../src';
import { createStore, TestStore } from './store';

export function serverEnv() {
  const { TEST_REDIS_URL, TEST_OPENFGA_URL, TEST_OPENFGA_STORE_ID, TEST_OPENFGA_MODEL_ID } = process.env;
  if (!TEST_REDIS_URL || !TEST_OPENFGA_URL || !TEST_OPENFGA_STORE_ID || !TEST_OPENFGA_MODEL_ID) {
    throw new Error('Servers are not running: run the suite through jest (its global setup starts them)');
  }
  const clusterNodes = process.env.TEST_REDIS_CLUSTER_NODES
    ? (JSON.parse(process.env.TEST_REDIS_CLUSTER_NODES) as { host: string; port: number }[])
    : undefined;
  return {
    redisUrl: TEST_REDIS_URL,
    apiUrl: TEST_OPENFGA_URL,
    storeId: TEST_OPENFGA_STORE_ID,
    modelId: TEST_OPENFGA_MODEL_ID,
    clusterNodes,
  };
}

/** The Redis connection suites use: the standalone server, or the cluster with NESTJS_OPENFGA_REDIS=cluster. */
export function testRedis(): RedisConnection {
  const env = serverEnv();
  return env.clusterNodes ? { cluster: env.clusterNodes } : env.redisUrl;
}

/** A fresh OpenFGA store with the fixture model, so suites never see each other's tuples. */
export function freshStore(name = 'suite'): Promise<TestStore> {
  return createStore(serverEnv().apiUrl, `${name}-${randomUUID().slice(0, 8)}`);
}

/** Module options for a fresh store and a unique key prefix; automatic triggers off unless asked for. */
export function testOptions(store: TestStore, overrides: Partial<OpenFgaModuleOptions> = {}): OpenFgaModuleOptions {
  const env = serverEnv();
  return {
    apiUrl: env.apiUrl,
    storeId: store.storeId,
    authorizationModelId: store.modelId,
    redis: testRedis(),
    prefix: `t${randomUUID().slice(0, 8)}`,
    autoFlush: false,
    flushOnShutdown: false,
    ...overrides,
  };
}
