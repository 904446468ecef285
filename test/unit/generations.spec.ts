import { GEN_BUCKET_BITS, genBucket, objectGen, userGen } from '../../src/redis/redis-keys';

describe('generation buckets', () => {
  it('are FNV-1a over the id, masked: every process sharing a store must compute the same (a layout change otherwise)', () => {
    // Pinned values: changing the function or the bit count breaks stores shared with older processes.
    expect(GEN_BUCKET_BITS).toBe(13);
    expect(genBucket('')).toBe(0x811c9dc5 & 0x1fff);
    expect(genBucket('document:1')).toBe(6401);
    expect(genBucket('user:anne')).toBe(2978);
    expect(objectGen('document:1')).toBe(`o:${(6401).toString(36)}`);
    expect(userGen('user:anne')).toBe(`u:${(2978).toString(36)}`);
  });

  it('stay in range and spread ids evenly', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 100_000; i++) {
      const b = genBucket(`document:${i}`);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(2 ** GEN_BUCKET_BITS);
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThan(0.99 * 2 ** GEN_BUCKET_BITS);
    expect(Math.max(...counts.values())).toBeLessThan(40); // ~12 per bucket on average
  });

  it('hash UTF-16 code units, so ids beyond ASCII get a bucket too', () => {
    expect(genBucket('document:ü')).not.toBe(genBucket('document:u'));
    expect(genBucket('document:😀')).toBeLessThan(2 ** GEN_BUCKET_BITS);
  });
});
