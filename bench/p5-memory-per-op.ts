/**
 * P5: Redis memory per pending operation, from INFO used_memory before and
 * after enqueueing N distinct grants (distinct objects, 1000 users), with
 * MEMORY USAGE of each of the store's collections (hashes, sorted sets, sets)
 * to show where it goes; the rest is per-tuple string keys (invalidation markers).
 */
import type { Redis } from 'ioredis';
import type { Benchmark } from './support/benchmark';
import { fillBuffer } from './support/fill';
import { count } from './support/format';
import { usedMemory } from './support/redis-info';
import { atMost } from './support/result';

const TARGET_BYTES = 300;

/** Every hash, sorted set and set under `base`, by SCAN (never KEYS), with its MEMORY USAGE. */
async function collections(redis: Redis, base: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const type of ['hash', 'zset', 'set']) {
    let cursor = '0';
    let pages = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 10_000, 'TYPE', type);
      for (const key of keys) out[key.slice(base.length)] = Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
      cursor = next;
    } while (cursor !== '0' && ++pages < 10_000);
  }
  return out;
}

export const p5: Benchmark = {
  id: 'P5',
  title: 'memory per pending op',
  async run(ctx) {
    const n = ctx.quick ? 50_000 : 200_000;
    const store = await ctx.newStore('p5');
    const { service, core } = ctx.openService(store);
    await service.grant('user:warmup', 'viewer', 'document:warmup'); // scripts loaded, per-store keys exist
    const keysBefore = await ctx.redis.dbsize();
    const before = await usedMemory(ctx.redis);
    await fillBuffer(service, 'p5', n);
    const after = await usedMemory(ctx.redis);
    const keysAfter = await ctx.redis.dbsize();
    const pending = (await service.status()).pending.total - 1;
    if (pending !== n) throw new Error(`setup: ${pending} pending, expected ${n}`);

    const perOp = (after - before) / n;
    const structures = await collections(ctx.redis, core.buffer.keys.base);
    const big = Object.entries(structures).filter(([, bytes]) => bytes / n >= 1);
    const structuresPerOp = big.reduce((sum, [, bytes]) => sum + bytes / n, 0);
    const keysPerOp = (keysAfter - keysBefore) / n;
    const breakdown = big.map(([name, bytes]) => `${name} ${Math.round(bytes / n)}`).join(' + ');
    return {
      summary: `${Math.round(perOp)} B/op by used_memory (${count(n)} ops) = ${breakdown} B/op by MEMORY USAGE + ${Math.round(perOp - structuresPerOp)} B/op in ${keysPerOp.toFixed(2)} new keys/op`,
      checks: [atMost(`of ${TARGET_BYTES} B`, perOp / TARGET_BYTES, 1)],
      figures: {
        ops: n,
        usedMemoryDeltaBytes: after - before,
        bytesPerOp: perOp,
        collectionsBytes: structures,
        collectionsBytesPerOp: structuresPerOp,
        otherBytesPerOp: perOp - structuresPerOp,
        newKeysPerOp: keysPerOp,
      },
    };
  },
};
