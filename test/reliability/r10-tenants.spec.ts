/**
 * R10 — tenants never mix (docs/design.md §2 invariant 8): two stores and two key
 * prefixes (one extending the other, `P` and `P:x`) share one Redis, and two
 * pinned models share one store and prefix. Tuples use crafted ids around
 * hash tags and separators: the other store's id in braces, `}{`, `{}`,
 * record separators `|`, Lua pattern characters.
 *
 * Must hold: no pending operation, flushed write, cached answer (allowed or
 * denied), consistency token or queue job crosses from one tenant to
 * another; every Redis key belongs to exactly one tenant. Short mode: 1
 * round; full: 5 rounds with fresh stores and prefixes.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { Redis } from 'ioredis';
import { InvalidConsistencyTokenError, OpenFgaModuleOptions, Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { diffSets, readStore, tupleId } from '../support/reliability/ledger';
import { quietNestLogs, reportFigures, scaled, until } from '../support/reliability/scale';
import { openService, OpenService } from '../support/harness/service';
import { DEFAULT_MODEL, TestStore } from '../support/harness/store';

const ROUNDS = scaled(1, 5);

/** Valid tuples whose ids are crafted around the key layout of both stores and prefixes. */
function craftedTuples(a: string, b: string, prefix: string, tag: string): Tuple[] {
  const users = [
    `user:{${a}}`,
    `user:{${b}}`,
    'user:}{',
    'user:{}',
    'user:a|w|1|1|0|',
    'user:%s%d.-',
    `user:{${prefix}}pending`,
    `group:{${b}}#member`,
  ];
  const objects = [
    `document:{${a}}`,
    `document:{${b}}}pending`,
    `document:}{${a}`,
    'document:a|d|9|0|',
    'document:{}',
    `document:${prefix}.b`,
  ];
  const out: Tuple[] = [];
  for (const [i, user] of users.entries()) {
    for (const [j, object] of objects.entries()) {
      if ((i + j) % 2 === 0) out.push({ user, relation: 'viewer', object: `${object}${tag}` });
    }
  }
  return out;
}

/** The fixture model with `viewer` on documents assignable only (not derived from owner/editor). */
function directViewerModel() {
  const dsl = readFileSync(DEFAULT_MODEL, 'utf8');
  const at = dsl.lastIndexOf('define viewer:');
  const changed = `${dsl.slice(0, at)}define viewer: [user, user:*, group#member]\n`;
  return transformer.transformDSLToJSONObject(changed) as never;
}

async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

describe('R10: two stores and two prefixes on one Redis, crafted ids', () => {
  beforeAll(() => quietNestLogs());

  async function round(r: number) {
    const [sa, sb]: TestStore[] = await Promise.all([freshStore('r10-a'), freshStore('r10-b')]);
    const api = serverEnv().apiUrl;
    const sdkA = new OpenFgaClient({ apiUrl: api, storeId: sa.storeId });
    const sdkB = new OpenFgaClient({ apiUrl: api, storeId: sb.storeId });
    const { authorization_model_id: directModel } = await sdkA.writeAuthorizationModel(directViewerModel());
    // The fixture model again, newer than the direct one: a store's cache follows the newest model its processes
    // use, and a process on an older one caches nothing (t5 here), so t1 and t2 take the newest.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { authorization_model_id: fixtureModel } = await sdkA.writeAuthorizationModel(
      transformer.transformDSLToJSONObject(readFileSync(DEFAULT_MODEL, 'utf8')) as never,
    );
    const p1 = `r10${randomUUID().slice(0, 6)}`;
    const p2 = `${p1}:x`; // extends p1 with a separator
    const opts = (store: TestStore, prefix: string, extra: Partial<OpenFgaModuleOptions> = {}) =>
      testOptions(store, { prefix, changeFeed: { enabled: false }, ...extra });
    const tenants: Record<string, OpenService> = {
      t1: openService(opts(sa, p1, { authorizationModelId: fixtureModel })),
      t2: openService(opts(sa, p2, { authorizationModelId: fixtureModel })),
      t3: openService(opts(sb, p1)),
      t4: openService(opts(sb, p2)),
      t5: openService(opts(sa, p1, { authorizationModelId: directModel })), // same store and prefix as t1, another model
    };
    const { t1, t2, t3, t4, t5 } = Object.fromEntries(Object.entries(tenants).map(([k, v]) => [k, v.service])) as Record<
      string,
      OpenService['service']
    >;
    const crossings: string[] = [];
    const expectAnswer = async (who: string, service: OpenService['service'], t: Tuple, expected: boolean, why: string) => {
      const got = await service.check(t.user, t.relation, t.object);
      if (got !== expected) crossings.push(`${who} check ${tupleId(t)}: ${got}, expected ${expected} (${why})`);
    };
    try {
      // 1. Pending operations: the same crafted tuples in four buffers.
      const c = craftedTuples(sa.storeId, sb.storeId, p1, `-${r}`);
      const half = Math.ceil(c.length / 2);
      const [c1, c2] = [c.slice(0, half), c.slice(half)];
      await t1.grantMany(c);
      await t2.revokeMany(c);
      await t3.grantMany(c1);
      await t4.grantMany(c2);
      const pendingKeys = async (s: OpenService['service']) =>
        (await s.getPendingOperations(10_000)).map((o) => `${o.kind} ${o.key}`).sort();
      const expectPending = async (who: string, s: OpenService['service'], kind: string, ts: Tuple[]) => {
        const diff = diffSets(ts.map((t) => `${kind} ${tupleId(t)}`).sort(), await pendingKeys(s));
        for (const m of diff.missing) crossings.push(`${who} lost pending ${m}`);
        for (const u of diff.unexpected) crossings.push(`${who} sees foreign pending ${u}`);
      };
      await expectPending('t1', t1, 'grant', c);
      await expectPending('t2', t2, 'revoke', c);
      await expectPending('t3', t3, 'grant', c1);
      await expectPending('t4', t4, 'grant', c2);

      // 2. Read your writes stays inside the tenant.
      for (const t of c) {
        await expectAnswer('t1', t1, t, true, 'own pending grant');
        await expectAnswer('t2', t2, t, false, 'own pending revoke');
        await expectAnswer('t3', t3, t, c1.includes(t), 't4 pending grants are not t3s');
        await expectAnswer('t4', t4, t, c2.includes(t), 't3 pending grants are not t4s');
      }

      // 3. Flushes write each buffer to its own store only.
      const [f2] = [await t2.flush()];
      const [f1, f3, f4] = await Promise.all([t1.flush(), t3.flush(), t4.flush()]);
      expect([f1, f2, f3, f4].map((f) => [f.writes, f.deletes, f.failed, f.deadLettered])).toEqual([
        [c.length, 0, 0, 0],
        [0, c.length, 0, 0],
        [c1.length, 0, 0, 0],
        [c2.length, 0, 0, 0],
      ]);
      const ids = c.map(tupleId).sort();
      expect(diffSets(ids, await readStore(api, sa.storeId))).toEqual({ missing: [], unexpected: [] });
      expect(diffSets(ids, await readStore(api, sb.storeId))).toEqual({ missing: [], unexpected: [] });

      // 4. Cached answers: allowed and denied, by store, by prefix and by model.
      const d = craftedTuples(sb.storeId, sa.storeId, p1, `-${r}d`);
      await sdkA.write({ writes: d });
      for (const t of d) await expectAnswer('t1', t1, t, true, 'in store A'); // cached "allowed" under (p1, A)
      for (const t of d) await expectAnswer('t3', t3, t, false, 'not in store B, whatever (p1, A) cached'); // cached "denied" under (p1, B)
      await sdkA.deleteTuples(d);
      for (const t of d) await expectAnswer('t1', t1, t, true, 'its own cached answer (external change)'); // proves the entry exists
      for (const t of d) await expectAnswer('t2', t2, t, false, 'deleted from store A; (p1, A) cache is not (p2, A)');
      await sdkB.write({ writes: d });
      for (const t of d) await expectAnswer('t4', t4, t, true, 'now in store B; (p1, B) cached "denied" is not (p2, B)');
      const owned: Tuple = { user: `user:{${sb.storeId}}o`, relation: 'owner', object: `document:{${sa.storeId}}o-${r}` };
      await sdkA.write({ writes: [owned] });
      const viewerOfOwned = { ...owned, relation: 'viewer' };
      await expectAnswer('t1', t1, viewerOfOwned, true, 'owner implies viewer in the fixture model'); // cached under model 1
      await expectAnswer('t5', t5, viewerOfOwned, false, 'viewer is direct only in the pinned model'); // older model: not cached
      await expectAnswer('t1', t1, viewerOfOwned, true, 'model 1 again');

      // 5. Consistency tokens name their tenant.
      const token = await t1.grant('user:tok', 'viewer', `document:tok-${r}`);
      for (const [who, s] of [
        ['t2', t2],
        ['t3', t3],
        ['t4', t4],
      ] as const) {
        const err = await s.check('user:tok', 'viewer', `document:tok-${r}`, { consistency: 'at-least-as-fresh', token }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(err instanceof InvalidConsistencyTokenError)) crossings.push(`${who} accepted t1's token (${String(err)})`);
      }
      await t1.flush();

      // 6. Every key belongs to exactly one tenant (base `prefix:{store}:`).
      const redis = tenants.t1.core.redis as Redis;
      const bases = [`${p1}:{${sa.storeId}}:`, `${p2}:{${sa.storeId}}:`, `${p1}:{${sb.storeId}}:`, `${p2}:{${sb.storeId}}:`];
      const keys = await keysWithPrefix(redis, p1);
      const owners = keys.map((k) => ({ k, n: bases.filter((b) => k.startsWith(b)).length }));
      for (const o of owners.filter((x) => x.n !== 1)) crossings.push(`key ${o.k} belongs to ${o.n} tenants`);
      for (const b of bases) if (!keys.some((k) => k.startsWith(b))) crossings.push(`no key under ${b}`);
      return { crossings, tuples: c.length + d.length + 1, keys: keys.length };
    } finally {
      await Promise.all(Object.values(tenants).map((t) => t.close()));
    }
  }

  it(`no pending op, write, cached answer or token crosses tenants (${ROUNDS} round(s))`, async () => {
    const all: string[] = [];
    let tuples = 0;
    let keys = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const result = await round(r);
      all.push(...result.crossings);
      tuples += result.tuples;
      keys += result.keys;
    }
    reportFigures(
      'R10',
      `${ROUNDS} round(s), 5 tenants (2 stores × prefixes P and P:x, plus a second pinned model), ${tuples} crafted tuples per ` +
        `tenant pair, ${keys} Redis keys: ${all.length} crossings (pending, flushed, cached allowed/denied, model, token, key ownership)`,
      { rounds: ROUNDS, tuples, keys, crossings: all.length, sample: all.slice(0, 10) },
    );
    expect(all).toEqual([]);
  }, 120_000);

  it('queue mode: two stores with the same prefix and queue name never process each other’s jobs', async () => {
    const [sa, sb] = await Promise.all([freshStore('r10-qa'), freshStore('r10-qb')]);
    const prefix = `r10q${randomUUID().slice(0, 6)}`;
    const queue = { enabled: true, attempts: 2, backoff: 0.1, timeout: 5 };
    const a = openService(testOptions(sa, { prefix, changeFeed: { enabled: false }, queue }));
    const b = openService(testOptions(sb, { prefix, changeFeed: { enabled: false }, queue }));
    try {
      await a.core.queue!.startWorker();
      await b.core.queue!.startWorker();
      const qa = craftedTuples(sa.storeId, sb.storeId, prefix, '-qa');
      const qb = craftedTuples(sb.storeId, sa.storeId, prefix, '-qb');
      await a.service.grantMany(qa);
      await b.service.grantMany(qb);
      await Promise.all([a.service.flush(), b.service.flush()]);
      await until(
        'both queues drained',
        async () => {
          const [x, y] = await Promise.all([a.service.status(), b.service.status()]);
          return x.pending.total + x.inFlight + y.pending.total + y.inFlight === 0;
        },
        30_000,
      );
      expect(diffSets(qa.map(tupleId).sort(), await readStore(serverEnv().apiUrl, sa.storeId))).toEqual({ missing: [], unexpected: [] });
      expect(diffSets(qb.map(tupleId).sort(), await readStore(serverEnv().apiUrl, sb.storeId))).toEqual({ missing: [], unexpected: [] });
      expect([await a.service.status(), await b.service.status()].map((s) => s.deadLettered)).toEqual([0, 0]);
      expect([await a.core.queue!.counts(), await b.core.queue!.counts()].map((c) => c.failed)).toEqual([0, 0]);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
});
