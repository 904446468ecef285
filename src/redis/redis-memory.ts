import type { Cluster, Redis } from 'ioredis';
import { dataNodes, nodeName } from './redis-nodes';

/** One node's memory use against its `maxmemory` limit. */
export interface RedisMemory {
  /** `host:port`. */
  node: string;
  usedBytes: number;
  maxBytes: number;
  /** `maxmemory-policy` (e.g. `noeviction`, `volatile-lru`); absent when INFO does not say. */
  policy?: string;
}

/**
 * The fullest node (by share of its `maxmemory`) among those holding the
 * module's keys, from INFO memory; undefined when no node has a limit. Under
 * `noeviction` a full node refuses every write, grants included.
 */
export async function readRedisMemory(redis: Redis | Cluster): Promise<RedisMemory | undefined> {
  return fullestNode(await readNodesMemory(redis));
}

/** Every node holding the module's keys that has a `maxmemory` limit. */
export async function readNodesMemory(redis: Redis | Cluster): Promise<RedisMemory[]> {
  const nodes = await dataNodes(redis);
  const read = await Promise.all(nodes.map(async (node) => memoryOf(nodeName(node), await node.info('memory'))));
  return read.filter((m): m is RedisMemory => m !== undefined);
}

export function fullestNode(nodes: readonly RedisMemory[]): RedisMemory | undefined {
  let fullest: RedisMemory | undefined;
  for (const m of nodes) if (!fullest || m.usedBytes / m.maxBytes > fullest.usedBytes / fullest.maxBytes) fullest = m;
  return fullest;
}

function memoryOf(node: string, info: string): RedisMemory | undefined {
  const usedBytes = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  const maxBytes = Number(/^maxmemory:(\d+)/m.exec(info)?.[1]);
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (!Number.isFinite(usedBytes) || !Number.isFinite(maxBytes) || maxBytes <= 0) return undefined;
  return { node, usedBytes, maxBytes, ...(policy ? { policy } : {}) };
}
