import type { Cluster, Redis } from 'ioredis';
import { dataNodes, nodeName } from './redis-nodes';

/** One node's memory use against its `maxmemory` limit. */
export interface RedisMemory {
  /** `host:port`. */
  node: string;
  usedBytes: number;
  maxBytes: number;
}

/**
 * The fullest node (by share of its `maxmemory`) among those holding the
 * module's keys, from INFO memory; undefined when no node has a limit. Under
 * `noeviction` a full node refuses every write, grants included.
 */
export async function readRedisMemory(redis: Redis | Cluster): Promise<RedisMemory | undefined> {
  const nodes = await dataNodes(redis);
  const read = await Promise.all(
    nodes.map(async (node): Promise<RedisMemory | undefined> => {
      const info = await node.info('memory');
      const usedBytes = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
      const maxBytes = Number(/^maxmemory:(\d+)/m.exec(info)?.[1]);
      return Number.isFinite(usedBytes) && Number.isFinite(maxBytes) && maxBytes > 0
        ? { node: nodeName(node), usedBytes, maxBytes }
        : undefined;
    }),
  );
  let fullest: RedisMemory | undefined;
  for (const m of read) if (m && (!fullest || m.usedBytes / m.maxBytes > fullest.usedBytes / fullest.maxBytes)) fullest = m;
  return fullest;
}
