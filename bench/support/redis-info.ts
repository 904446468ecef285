/** Reads Redis's own accounting (INFO memory). */
import type { Redis } from 'ioredis';

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

export async function redisVersion(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
}

export interface CommandStat {
  calls: number;
  usec: number;
}

/** INFO commandstats as a map (commands called from Lua count too, under their own names). */
export async function commandStats(redis: Redis): Promise<Map<string, CommandStat>> {
  const out = new Map<string, CommandStat>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    out.set(match[1], { calls: Number(match[2]), usec: Number(match[3]) });
  }
  return out;
}

/** What Redis did for `command` between two snapshots: calls, and server-side µs per call. */
export function commandDelta(
  before: Map<string, CommandStat>,
  after: Map<string, CommandStat>,
  command: string,
): CommandStat & { usecPerCall: number } {
  const a = after.get(command) ?? { calls: 0, usec: 0 };
  const b = before.get(command) ?? { calls: 0, usec: 0 };
  const calls = a.calls - b.calls;
  const usec = a.usec - b.usec;
  return { calls, usec, usecPerCall: calls > 0 ? usec / calls : 0 };
}
