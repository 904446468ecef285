/**
 * PathReach with a fake index and a fake OpenFGA Read (the integration suite
 * path-narrowed-reads holds it to the real servers): which objects a read
 * follows, what it reads of the index, and when it keeps the whole pairs.
 */
import type { OutstandingOps, ReadSnapshot } from '../../src/buffer/outstanding-ops';
import { MAX_PATH_OBJECTS, PathReach } from '../../src/read/path-reach';
import type { IndexRange, ReadScope } from '../../src/scope/relation-scope';

const probe = { user: 'user:bob', relation: 'viewer', object: 'document:d' };
const scope: ReadScope = {
  graphId: 'm',
  relationKey: 'x',
  ranges: [
    { pair: 'document#parent', kind: 'o', value: 'document:d' },
    { pair: 'folder#parent', kind: 'a', value: '' },
    { pair: 'folder#viewer', kind: 'u', value: 'user:bob' },
  ],
  positive: new Set(['document#parent', 'folder#parent', 'folder#viewer']),
  negative: new Set(),
  conditional: false,
  reach: {
    from: 'document:d',
    tuplesets: new Map([
      ['document', ['parent']],
      ['folder', ['parent']],
    ]),
    pairs: new Set(['folder#parent']),
  },
};

/** Outstanding parent links (child -> parents) and stored ones; records what each side was asked. */
function world(pending: Record<string, string[]>, stored: Record<string, string[]>) {
  const indexReads: IndexRange[][] = [];
  const storedReads: string[] = [];
  const outstanding = {
    snapshot: async (_t: unknown, s: ReadScope): Promise<ReadSnapshot> => {
      indexReads.push(s.ranges);
      const ops = s.ranges.flatMap((r) =>
        (pending[r.value] ?? []).map((user, i) => ({
          kind: 'grant' as const,
          key: `${user} parent ${r.value}`,
          tuple: { user, relation: 'parent', object: r.value },
          seq: i,
        })),
      );
      return { objectGen: '0', userGen: '0', relationGen: '0', epoch: '0', outstandingRevokes: 0, revokedAt: 0, ops, complete: true };
    },
  } as unknown as OutstandingOps;
  const reach = new PathReach(outstanding, async (object, relation) => {
    storedReads.push(`${object}#${relation}`);
    return stored[object] ?? [];
  });
  return { reach, outstanding, indexReads, storedReads };
}

describe('PathReach', () => {
  it('follows stored and outstanding links up and reads the spread pair on the objects reached only', async () => {
    // document:d -> folder:b (stored) -> folder:a (pending) -> folder:root (stored)
    const { reach, storedReads } = world({ 'folder:b': ['folder:a'] }, { 'document:d': ['folder:b'], 'folder:a': ['folder:root'] });
    const narrowed = await reach.narrow(probe, scope);
    expect(narrowed?.ranges).toEqual([
      { pair: 'document#parent', kind: 'o', value: 'document:d' },
      { pair: 'folder#parent', kind: 'o', value: 'folder:b' },
      { pair: 'folder#parent', kind: 'o', value: 'folder:a' },
      { pair: 'folder#parent', kind: 'o', value: 'folder:root' },
      { pair: 'folder#viewer', kind: 'u', value: 'user:bob' },
    ]);
    expect(narrowed?.reach).toBeUndefined();
    expect(storedReads).toEqual(['document:d#parent', 'folder:b#parent', 'folder:a#parent', 'folder:root#parent']);
  });

  it('ends at a cycle', async () => {
    const { reach } = world({ 'folder:a': ['folder:b'] }, { 'document:d': ['folder:a'], 'folder:b': ['folder:a'] });
    const narrowed = await reach.narrow(probe, scope);
    expect(narrowed?.ranges.filter((r) => r.pair === 'folder#parent').map((r) => r.value)).toEqual(['folder:a', 'folder:b']);
  });

  it('keeps the whole pairs past MAX_PATH_OBJECTS objects, for a user that is not an object, and without a reach', async () => {
    const wide = Array.from({ length: MAX_PATH_OBJECTS + 1 }, (_, i) => `folder:f${i}`);
    expect(await world({}, { 'document:d': wide }).reach.narrow(probe, scope)).toBeUndefined();
    expect(await world({}, { 'document:d': ['group:g#member'] }).reach.narrow(probe, scope)).toBeUndefined();
    expect(await world({}, {}).reach.narrow(probe, { ...scope, reach: undefined })).toBeUndefined();
  });

  it('keeps the whole pairs when OpenFGA lists more links of one object than it follows', async () => {
    const reach = new PathReach(world({}, {}).outstanding, async () => undefined);
    expect(await reach.narrow(probe, scope)).toBeUndefined();
  });
});
