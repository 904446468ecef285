/**
 * When answers stop being cached: only a `noeviction` node with a `maxmemory`
 * pauses fills, at `cacheMemoryLimit` of it, counting what this process
 * cached since the last read; below 0.95 of the limit fills resume.
 */
import type { Redis } from 'ioredis';
import { CacheAdmission } from '../../src/cache/cache-admission';
import { OpenFgaEvents, type OpenFgaEventMap } from '../../src/events/openfga-events';

/** One node answering INFO memory with what the test sets. */
function node(memory: { used: number; max: number; policy: string }): Redis {
  return {
    options: { host: '127.0.0.1', port: 6390 },
    info: async () => `used_memory:${memory.used}\r\nmaxmemory:${memory.max}\r\nmaxmemory_policy:${memory.policy}\r\n`,
  } as unknown as Redis;
}

describe('CacheAdmission', () => {
  const setup = (memory: { used: number; max: number; policy: string }) => {
    const events = new OpenFgaEvents();
    const seen: OpenFgaEventMap['cacheFills'][] = [];
    events.on('cacheFills', (e) => seen.push(e));
    return { admission: new CacheAdmission(node(memory), events, 0.8), seen };
  };

  it('pauses a noeviction node at the limit and resumes below 0.95 of it', async () => {
    const memory = { used: 700, max: 1000, policy: 'noeviction' };
    const { admission, seen } = setup(memory);
    await admission.sample();
    expect(admission.admits).toBe(true);
    memory.used = 800;
    await admission.sample();
    expect(admission.admits).toBe(false);
    memory.used = 770; // under the limit, not under 0.95 of it
    await admission.sample();
    expect(admission.admits).toBe(false);
    memory.used = 750;
    await admission.sample();
    expect(admission.admits).toBe(true);
    expect(seen).toEqual([
      { paused: true, node: '127.0.0.1:6390', usedBytes: 800, maxBytes: 1000 },
      { paused: false, node: '127.0.0.1:6390', usedBytes: 750, maxBytes: 1000 },
    ]);
  });

  it('counts what was cached since the last read', async () => {
    const { admission } = setup({ used: 700, max: 1000, policy: 'noeviction' });
    await admission.sample();
    admission.added(99);
    expect(admission.admits).toBe(true);
    admission.added(1);
    expect(admission.admits).toBe(false);
  });

  it('never pauses a node Redis evicts cached answers from, nor one without maxmemory', async () => {
    for (const memory of [
      { used: 990, max: 1000, policy: 'volatile-lru' },
      { used: 990, max: 0, policy: 'noeviction' },
    ]) {
      const { admission } = setup(memory);
      await admission.sample();
      admission.added(10_000);
      expect(admission.admits).toBe(true);
    }
  });

  it('keeps the last verdict when the memory cannot be read', async () => {
    const memory = { used: 900, max: 1000, policy: 'noeviction' };
    const redis = node(memory);
    const admission = new CacheAdmission(redis, new OpenFgaEvents(), 0.8);
    await admission.sample();
    (redis as unknown as { info: () => Promise<string> }).info = () => Promise.reject(new Error('down'));
    await admission.sample();
    expect(admission.admits).toBe(false);
  });
});
