/**
 * Jest global setup: starts redis-server and OpenFGA (or containers, with
 * NESTJS_OPENFGA_SERVERS=testcontainers), creates the default store + model,
 * and exports their addresses to the test workers through the environment.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, startOpenFga, startRedis, startRedisCluster, startWithTestcontainers, RunningServer } from './servers';
import { createStore } from './store';

declare global {
  var __NESTJS_OPENFGA_SERVERS__: RunningServer[] | undefined;
}

export default async function globalSetup(globalConfig?: { shard?: { shardIndex: number } | null }): Promise<void> {
  const servers =
    process.env.NESTJS_OPENFGA_SERVERS === 'testcontainers'
      ? await startWithTestcontainers()
      : await Promise.all([startRedis(), startOpenFga()]).then(([redis, openfga]) => ({ redis, openfga }));
  globalThis.__NESTJS_OPENFGA_SERVERS__ = [servers.redis, servers.openfga];
  try {
    // NESTJS_OPENFGA_REDIS=cluster runs the suites against a 3-master Redis Cluster instead.
    if (process.env.NESTJS_OPENFGA_REDIS === 'cluster') {
      const cluster = await startRedisCluster(3);
      globalThis.__NESTJS_OPENFGA_SERVERS__.push(cluster);
      process.env.TEST_REDIS_CLUSTER_NODES = JSON.stringify(cluster.nodes);
    }
    const store = await createStore(servers.openfga.apiUrl, 'nestjs-openfga-tests');
    const env = {
      TEST_REDIS_URL: servers.redis.url,
      TEST_OPENFGA_URL: servers.openfga.apiUrl,
      TEST_OPENFGA_STORE_ID: store.storeId,
      TEST_OPENFGA_MODEL_ID: store.modelId,
      ...(process.env.TEST_REDIS_CLUSTER_NODES ? { TEST_REDIS_CLUSTER_NODES: process.env.TEST_REDIS_CLUSTER_NODES } : {}),
    };
    Object.assign(process.env, env);
    // One file per run: `npm test` runs the Cluster pass and two standalone shards at once.
    const run = [
      process.env.NESTJS_OPENFGA_REDIS === 'cluster' ? 'cluster' : '',
      globalConfig?.shard ? `shard${globalConfig.shard.shardIndex}` : '',
    ]
      .filter(Boolean)
      .join('-');
    const name = run ? `.jest-servers-${run}.json` : '.jest-servers.json';
    writeFileSync(join(PROJECT_ROOT, name), JSON.stringify(env, null, 2));
  } catch (err) {
    await Promise.all(globalThis.__NESTJS_OPENFGA_SERVERS__.map((s) => s.stop()));
    throw err;
  }
}
