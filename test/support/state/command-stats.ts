/** How often Redis ran a command, from INFO commandstats. */
import type { Cluster, Redis } from 'ioredis';

/** Calls of `command` (lower case, e.g. `evalsha`, `wait`) so far on every master that may hold the store. */
export async function commandCalls(redis: Redis | Cluster, command: string): Promise<number> {
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' ? (redis as Cluster).nodes('master') : [redis as Redis];
  const pattern = new RegExp(`cmdstat_${command}:calls=(\\d+)`);
  let total = 0;
  for (const node of nodes) total += Number(pattern.exec(await node.info('commandstats'))?.[1] ?? 0);
  return total;
}
