/**
 * The outstanding-op index a lone grant writes (its own fast path in
 * outstandingIndex.lua) is the one a grantMany writes for the same tuples:
 * `o` entries on every pair, `u` entries on the pairs the store's graph
 * reads by user, `n` entries for wildcard and userset users. Two buffers of
 * one store (two prefixes) on the real Redis, compared key by key.
 */
import type { Cluster, Redis } from 'ioredis';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';

const TUPLES = [
  { user: 'user:anne', relation: 'viewer', object: 'document:1' },
  { user: 'user:*', relation: 'viewer', object: 'document:2' },
  { user: 'group:eng#member', relation: 'viewer', object: 'document:3' },
  { user: 'user:bob', relation: 'owner', object: 'folder:1' },
  { user: 'folder:1', relation: 'parent', object: 'document:1' },
  { user: 'group:eng#member', relation: 'member', object: 'group:all' },
];

/** Every index set of a buffer, by pair, with its members. */
async function indexOf(s: OpenService): Promise<Record<string, string[]>> {
  const redis = s.core.redis as Redis | Cluster;
  const base = s.core.buffer.keys.base;
  const out: Record<string, string[]> = {};
  for (const t of TUPLES) {
    const pair = `${t.object.split(':')[0]}#${t.relation}`;
    out[pair] = await redis.zrange(`${base}ix:${pair}`, 0, -1);
  }
  return out;
}

describe('outstanding-op index of a lone grant', () => {
  const opened: OpenService[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
  });

  it('is the index grantMany writes for the same tuples', async () => {
    const store = await freshStore('index');
    const [single, many] = [openService(testOptions(store)), openService(testOptions(store))];
    opened.push(single, many);
    await Promise.all([single.ready(), many.ready()]);
    for (const t of TUPLES) await single.service.grant(t.user, t.relation, t.object);
    await many.service.grantMany(TUPLES);
    const [a, b] = [await indexOf(single), await indexOf(many)];
    expect(a).toEqual(b);
    // Both paths were taken: by-user pairs got `u` (and `n` for a userset user) entries, the others only `o`.
    const byUser = await (single.core.redis as Redis | Cluster).smembers(single.core.buffer.keys.byUser);
    expect(byUser).toContain('group#member');
    expect(a['group#member']).toEqual(['n group:eng#member group:all', 'o group:all group:eng#member', 'u group:eng#member group:all']);
    expect(a['document#viewer']).toEqual(['o document:1 user:anne', 'o document:2 user:*', 'o document:3 group:eng#member']);
  });
});
