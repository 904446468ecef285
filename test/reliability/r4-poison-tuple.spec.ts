/**
 * R4 — poison tuples (unknown type, unknown relation, a user type or userset
 * the model does not allow) inside batches of valid operations.
 * Must hold (docs/design.md §2 invariant 4): only the poison operations are
 * dead-lettered, each with the message OpenFGA gives for that very tuple;
 * the rest of every batch is written; nothing stays pending.
 *
 * Also the way back (invariant 2 through the dead-letter set): retrying dead
 * letters must not let an older operation overwrite a newer one.
 * Short mode: 3 inline rounds + 1 queue round; full: 20 + 5.
 */
import { readFileSync } from 'node:fs';
import { OpenFgaClient } from '@openfga/sdk';
import { transformer } from '@openfga/syntax-transformer';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { diffSets, readStore, tupleId } from '../support/reliability/ledger';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, scaled, seededRandom, until } from '../support/reliability/scale';
import { openService, OpenService } from '../support/harness/service';
import { DEFAULT_MODEL, TestStore } from '../support/harness/store';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';
import { InvalidTupleError } from '../../src';

const INLINE_ROUNDS = scaled(3, 20);
const QUEUE_ROUNDS = scaled(1, 5);

/** Each kind of tuple the fixture model rejects; `n` makes ids unique. */
const POISONS: ((n: string) => Tuple)[] = [
  (n) => ({ user: `user:p${n}`, relation: 'viewer', object: `widget:${n}` }), // unknown object type
  (n) => ({ user: `user:p${n}`, relation: 'approver', object: `document:p${n}` }), // unknown relation
  (n) => ({ user: `robot:r${n}`, relation: 'viewer', object: `document:p${n}` }), // unknown user type
  (n) => ({ user: 'user:*', relation: 'owner', object: `document:p${n}` }), // wildcard where the model allows none
  (n) => ({ user: `group:g${n}#member`, relation: 'owner', object: `document:p${n}` }), // userset where only users are allowed
  (n) => ({ user: `group:g${n}#nope`, relation: 'viewer', object: `document:p${n}` }), // userset of an unknown relation
  (n) => ({ user: `document:d${n}`, relation: 'viewer', object: `document:p${n}` }), // a type the relation does not take
];

/** What OpenFGA answers when this tuple alone is written (it is rejected, so nothing changes). */
async function serverMessage(storeId: string, t: Tuple): Promise<string> {
  const client = new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId });
  try {
    await client.write({ writes: [t] });
  } catch (err) {
    return (err as { apiErrorMessage?: string }).apiErrorMessage ?? String(err);
  }
  throw new Error(`OpenFGA accepted the poison tuple ${tupleId(t)}`);
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

describe('R4: poison tuples inside batches', () => {
  const random = seededRandom(RELIABILITY_SEED + 4);
  beforeAll(() => quietNestLogs('silent'));

  async function round(mode: 'inline' | 'queue', store: TestStore, open: OpenService, r: number) {
    // Valid ops: grants of new tuples and revokes of tuples written beforehand.
    const existing = Array.from({ length: 40 }, (_, i): Tuple => ({
      user: `user:e${r}-${i}`,
      relation: 'viewer',
      object: `document:e${r}`,
    }));
    await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).write({ writes: existing });
    const grants = Array.from({ length: 60 + Math.floor(random() * 300) }, (_, i): Tuple => ({
      user: `user:v${r}-${i % 37}`,
      relation: i % 3 === 0 ? 'owner' : 'viewer',
      object: `document:v${r}-${Math.floor(i / 37)}`,
    }));
    const revokes = existing.filter(() => random() < 0.5);
    const poisonCount = 1 + Math.floor(random() * POISONS.length);
    const poisons = shuffle([...POISONS], random)
      .slice(0, poisonCount)
      .map((make, k) => make(`${r}x${k}`));
    const ops = shuffle(
      [
        ...grants.map((t) => ({ kind: 'grant' as const, t })),
        ...revokes.map((t) => ({ kind: 'revoke' as const, t })),
        ...poisons.map((t) => ({ kind: 'grant' as const, t })),
      ],
      random,
    );
    for (const op of ops) await open.service[op.kind](op.t.user, op.t.relation, op.t.object);

    let writeRequests = 0;
    const off = open.core.events.on('request', (e) => {
      if (e.api === 'write') writeRequests++;
    });
    try {
      if (mode === 'inline') {
        expect(await open.service.flush()).toMatchObject({
          writes: grants.length,
          deletes: revokes.length,
          deadLettered: poisons.length,
          failed: 0,
        });
      } else {
        await open.service.flush();
        await until(
          'queue drained',
          async () => {
            const s = await open.service.status();
            return s.pending.total === 0 && s.inFlight === 0;
          },
          30_000,
        );
      }
    } finally {
      off();
    }
    const dead = await open.service.getDeadLetters();
    const expectedReasons = new Map(
      await Promise.all(poisons.map(async (p) => [tupleId(p), await serverMessage(store.storeId, p)] as const)),
    );
    const actualReasons = new Map(dead.map((d) => [d.operation.key, d.reason]));
    expect(actualReasons).toEqual(expectedReasons); // only the poisons, each with the server's own message
    const expected = [...existing.filter((t) => !revokes.includes(t)), ...grants].map(tupleId).sort();
    const ofRound = (id: string) => {
      const object = id.split(' ')[2];
      return object === `document:e${r}` || object.startsWith(`document:v${r}-`);
    };
    const inStore = (await readStore(serverEnv().apiUrl, store.storeId)).filter(ofRound);
    expect(diffSets(expected, inStore)).toEqual({ missing: [], unexpected: [] });
    expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    await open.service.purgeDeadLetters();
    return { ops: ops.length, poisons: poisons.length, writeRequests, batches: Math.ceil(ops.length / 100) };
  }

  it.each([
    ['inline', INLINE_ROUNDS],
    ['queue', QUEUE_ROUNDS],
  ] as const)(
    '%s: only the poison ops are dead-lettered, with the server message; the rest of each batch is written (%i rounds)',
    async (mode, rounds) => {
      const store = await freshStore(`r4-${mode}`);
      // The service refuses a poison in the call by the model it read: it reads one that admits them, then
      // the store's model changes before the flush (what still reaches OpenFGA and is refused there).
      const options: OpenFgaModuleOptions = testOptions(store, {
        changeFeed: { enabled: false },
        ...(mode === 'queue' ? { queue: { enabled: true, attempts: 3, backoff: 0.2, timeout: 5 } } : {}),
        ...(await lenientModelFirst(store)),
      });
      const open = openService(options);
      await open.ready();
      await fixtureModelAgain(store);
      if (mode === 'queue') await open.core.queue!.startWorker();
      const totals = { ops: 0, poisons: 0, writeRequests: 0, batches: 0 };
      try {
        for (let r = 0; r < rounds; r++) {
          const result = await round(mode, store, open, r);
          for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += result[k];
        }
      } finally {
        await open.close();
      }
      const extraPerPoison = Math.round(((totals.writeRequests - totals.batches) / totals.poisons) * 10) / 10;
      reportFigures(
        `R4-${mode}`,
        `${mode}: ${totals.poisons} poison ops among ${totals.ops} in ${rounds} round(s): exactly the ${totals.poisons} poison ops ` +
          `dead-lettered with the server's message, all ${totals.ops - totals.poisons} others written; ` +
          (mode === 'inline'
            ? `${totals.writeRequests} write requests for ${totals.batches} batches (${extraPerPoison} extra per poison)`
            : ''),
        { mode, rounds, ...totals, extraWriteRequestsPerPoison: mode === 'inline' ? extraPerPoison : undefined },
      );
    },
    120_000,
  );

  it("a process that has the store's model refuses every poison in the call, buffering nothing", async () => {
    const store = await freshStore('r4-refused');
    const open = openService(testOptions(store, { changeFeed: { enabled: false } }));
    try {
      for (const make of POISONS) {
        const t = make('refused');
        await expect(open.service.grant(t.user, t.relation, t.object)).rejects.toBeInstanceOf(InvalidTupleError);
      }
      expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, inFlight: 0 });
    } finally {
      await open.close();
    }
  });

  describe('retrying dead letters (last op wins through the dead-letter set)', () => {
    const approverModel = () =>
      transformer.transformDSLToJSONObject(`${readFileSync(DEFAULT_MODEL, 'utf8').trimEnd()}\n    define approver: [user]\n`) as never;

    // Settle records the position of each op settled on a tuple that has dead letters; retry-dead compares.
    it('a dead letter retried after a newer op on its tuple was written does not overwrite that op', async () => {
      const store = await freshStore('r4-retry-after-newer');
      // Unpinned: the service follows the store's latest model, so fixing the model is the operator's remedy. It read
      // a model with "approver" (so the grant passes the call), then the store's model lost it before the flush.
      const open = openService(testOptions(store, { changeFeed: { enabled: false }, ...(await lenientModelFirst(store)) }));
      await open.ready();
      await fixtureModelAgain(store);
      try {
        await open.service.grant('user:anne', 'approver', 'document:1'); // "approver" does not exist yet
        expect(await open.service.flush()).toMatchObject({ deadLettered: 1 });
        const [grant] = await open.service.getDeadLetters();
        await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).writeAuthorizationModel(approverModel());
        await open.service.revoke('user:anne', 'approver', 'document:1'); // the newer op: acknowledged, then written
        expect(await open.service.flush()).toMatchObject({ deletes: 1, failed: 0 });
        const retried = await open.service.retryDeadLetters(); // the operator retries dead letters after fixing the model
        await open.service.flush();
        expect(await readStore(serverEnv().apiUrl, store.storeId)).toEqual([]); // the revoke was the last op
        expect(retried).toEqual({ requeued: 0, superseded: 1, supersededIds: [grant.id] });
        expect(await open.service.status()).toMatchObject({ pending: { total: 0 }, deadLettered: 0 });
      } finally {
        await open.close();
      }
    });

    // Of several dead letters of one tuple, only the newest by position is requeued.
    it('retrying two dead letters of one tuple keeps the newer one', async () => {
      const store = await freshStore('r4-two-dead');
      // Unpinned, as above: the grant names a relation the store's model gets only later.
      const open = openService(testOptions(store, { changeFeed: { enabled: false }, ...(await lenientModelFirst(store)) }));
      await open.ready();
      await fixtureModelAgain(store);
      const tuple = 'user:anne approver document:1';
      try {
        await open.service.grant('user:anne', 'approver', 'document:1');
        expect(await open.service.flush()).toMatchObject({ deadLettered: 1 });
        // The newer op, dead-lettered too. OpenFGA ignores a delete naming an unknown relation (and an
        // outage no longer dead-letters), so the flusher's rejection is played through the buffer itself.
        await open.service.revoke('user:anne', 'approver', 'document:1');
        const batch = await open.core.buffer.claim(100, 10_000);
        expect(batch?.operations.map((o) => o.key)).toEqual([tuple]);
        await open.core.buffer.settle(batch!.id, { acked: [], dead: [{ key: tuple, reason: 'rejected' }], retryAt: 0 });
        const grant = (await open.service.getDeadLetters()).find((d) => d.operation.kind === 'grant')!;
        await new OpenFgaClient({ apiUrl: serverEnv().apiUrl, storeId: store.storeId }).writeAuthorizationModel(approverModel());
        const retried = await open.service.retryDeadLetters(); // the operator retries everything after fixing the model
        expect(await open.service.flush()).toMatchObject({ deletes: 1, failed: 0, deadLettered: 0 });
        expect(await readStore(serverEnv().apiUrl, store.storeId)).toEqual([]); // the revoke was the last op
        expect(retried).toEqual({ requeued: 1, superseded: 1, supersededIds: [grant.id] });
      } finally {
        await open.close();
      }
    });
  });
});
