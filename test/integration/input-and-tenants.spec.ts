/**
 * docs/design.md §2 invariants 7 (bad input never enters the buffer) and 8 (tenants
 * never mix), on the real servers.
 */
import { InvalidTupleError } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { BAD_OBJECTS, BAD_RELATIONS, BAD_USERS } from '../support/inputs/malformed-inputs';
import { openService, OpenService } from '../support/harness/service';

describe('7. bad input never enters the buffer', () => {
  let open: OpenService;
  beforeAll(async () => {
    open = openService(testOptions(await freshStore('input')));
  });
  afterAll(() => open.close());

  const cases: [string, unknown, unknown, unknown][] = [
    ...BAD_USERS.map((u): [string, unknown, unknown, unknown] => ['user', u, 'viewer', 'document:1']),
    ...BAD_RELATIONS.map((r): [string, unknown, unknown, unknown] => ['relation', 'user:anne', r, 'document:1']),
    ...BAD_OBJECTS.map((o): [string, unknown, unknown, unknown] => ['object', 'user:anne', 'viewer', o]),
  ];

  it(`has a corpus of at least 200 malformed inputs (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('rejects every malformed input with an error naming the field, for grant, revoke and check, and writes nothing', async () => {
    const { service, core } = open;
    for (const [field, user, relation, object] of cases) {
      for (const call of [
        () => service.grant(user as string, relation as string, object as string),
        () => service.revoke(user as string, relation as string, object as string),
        () => service.check(user as string, relation as string, object as string),
      ]) {
        const err = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(InvalidTupleError);
        expect((err as InvalidTupleError).field).toBe(field);
        expect((err as InvalidTupleError).message).toMatch(new RegExp(`^Invalid ${field} .*: expected `));
      }
    }
    expect(await service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    expect(await core.redis.exists(core.buffer.keys.seq)).toBe(0); // not even a position was handed out
  });

  it('rejects a whole batch when one tuple is malformed, naming its index, and writes none of it', async () => {
    const { service } = open;
    await expect(
      service.grantMany([
        { user: 'user:a', relation: 'viewer', object: 'document:1' },
        { user: 'user:b', relation: 'viewer', object: 'document 2' },
      ]),
    ).rejects.toThrow('Invalid tuples[1].object "document 2": expected "type:id"');
    expect((await service.status()).pending.total).toBe(0);
  });

  it('accepts the valid forms: type:id, type:id#relation, type:* and ids with punctuation', async () => {
    const { service } = open;
    await service.grantMany([
      { user: 'user:anne', relation: 'viewer', object: 'document:1' },
      { user: 'group:eng#member', relation: 'viewer', object: 'document:1' },
      { user: 'user:*', relation: 'viewer', object: 'document:public' },
      { user: 'user:anne@example.com', relation: 'viewer', object: 'document:a/b-c_d.e|f{g}' },
      { user: 'user:ünïcødé', relation: 'viewer', object: 'document:日本' },
    ]);
    expect((await service.status()).pending.total).toBe(5);
    expect(await service.flush()).toMatchObject({ writes: 5, deadLettered: 0, failed: 0 });
  });
});

describe('8. tenants never mix', () => {
  it('keeps two stores and two prefixes on one Redis apart, also with crafted ids containing separators', async () => {
    const [s1, s2] = await Promise.all([freshStore('tenant-1'), freshStore('tenant-2')]);
    const base = testOptions(s1);
    const tenants = [
      openService({ ...base, prefix: 'app' }),
      openService({ ...base, prefix: 'app:x' }), // prefix that could collide by concatenation
      openService({ ...testOptions(s2), prefix: 'app' }),
    ];
    try {
      const [t1, t2, t3] = tenants.map((t) => t.service);
      // Ids that would collide if keys were joined naively.
      await t1.grant('user:a', 'viewer', 'document:{x}}pending');
      await t2.grant('user:a', 'viewer', 'document:x');
      await t3.grant('user:a|b', 'viewer', 'document:c');
      expect(await t1.check('user:a', 'viewer', 'document:x')).toBe(false);
      expect(await t2.check('user:a', 'viewer', 'document:{x}}pending')).toBe(false);
      expect(await t3.check('user:a', 'viewer', 'document:{x}}pending')).toBe(false);
      expect(await t1.check('user:a|b', 'viewer', 'document:c')).toBe(false);
      // Cached answers do not cross either.
      expect(await t3.check('user:a|b', 'viewer', 'document:c')).toBe(true);
      for (const t of [t1, t2, t3]) expect((await t.status()).pending.total).toBe(1);
      await Promise.all([t1.flush(), t2.flush(), t3.flush()]);
      expect((await readAllTuples(s1.storeId)).map(tupleId).sort()).toEqual([
        'user:a viewer document:x',
        'user:a viewer document:{x}}pending',
      ]);
      expect((await readAllTuples(s2.storeId)).map(tupleId)).toEqual(['user:a|b viewer document:c']);
    } finally {
      await Promise.all(tenants.map((t) => t.close()));
    }
  });
});
