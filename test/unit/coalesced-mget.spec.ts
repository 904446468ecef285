import type { Redis } from 'ioredis';
import { CoalescedMget } from '../../src/cache/coalesced-mget';

/** A stand-in for the client: records each MGET and answers when told to (unit test; the integration suites use real Redis). */
function fakeRedis() {
  const calls: { keys: string[]; answer(values?: (string | null)[]): void; fail(err: Error): void }[] = [];
  const redis = {
    mget: (keys: string[]) =>
      new Promise<(string | null)[]>((resolve, reject) => {
        calls.push({ keys, answer: (values) => resolve(values ?? keys.map((k) => `v:${k}`)), fail: reject });
      }),
  };
  return { redis: redis as unknown as Redis, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CoalescedMget', () => {
  it('sends a lone MGET at once', async () => {
    const { redis, calls } = fakeRedis();
    const reads = new CoalescedMget(redis);
    const answer = reads.mget(['a', 'b']);
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    calls[0].answer();
    await expect(answer).resolves.toEqual(['v:a', 'v:b']);
  });

  it('coalesces the MGETs asked for while one is in flight into one, and splits its answer', async () => {
    const { redis, calls } = fakeRedis();
    const reads = new CoalescedMget(redis);
    const first = reads.mget(['a']);
    const second = reads.mget(['b', 'c']);
    const third = reads.mget(['d']);
    expect(calls).toHaveLength(1);
    calls[0].answer();
    await expect(first).resolves.toEqual(['v:a']);
    await tick();
    expect(calls.map((c) => c.keys)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1].answer(['1', null, '3']);
    await expect(second).resolves.toEqual(['1', null]);
    await expect(third).resolves.toEqual(['3']);
  });

  it('fails every read of a failed MGET, and goes on with the next', async () => {
    const { redis, calls } = fakeRedis();
    const reads = new CoalescedMget(redis);
    const first = reads.mget(['a']);
    const second = reads.mget(['b']);
    const third = reads.mget(['c']);
    calls[0].fail(new Error('down'));
    await expect(first).rejects.toThrow('down');
    await tick();
    calls[1].fail(new Error('still down'));
    await expect(second).rejects.toThrow('still down');
    await expect(third).rejects.toThrow('still down');
    const fourth = reads.mget(['d']);
    await tick();
    calls[2].answer();
    await expect(fourth).resolves.toEqual(['v:d']);
  });

  it('caps the keys of one MGET', async () => {
    const { redis, calls } = fakeRedis();
    const reads = new CoalescedMget(redis);
    const four = (i: number) => [`a${i}`, `b${i}`, `c${i}`, `d${i}`];
    const all = Array.from({ length: 600 }, (_, i) => reads.mget(four(i)));
    calls[0].answer();
    await tick();
    expect(calls.map((c) => c.keys.length)).toEqual([4, 1024]);
    calls[1].answer();
    await tick();
    calls[2].answer();
    await tick();
    expect(calls.map((c) => c.keys.length)).toEqual([4, 1024, 1024, 348]);
    calls[3].answer();
    await expect(Promise.all(all)).resolves.toHaveLength(600);
    expect(await all[599]).toEqual(four(599).map((k) => `v:${k}`));
  });
});
