/**
 * R9 — malformed input never enters the buffer (docs/design.md §2 invariant 7).
 *
 * A corpus of at least 200 malformed values (test/support/inputs/malformed-inputs.ts
 * plus values crafted against the key layout: hash tags, key and tuple-key
 * separators, record separators, forged tuple keys, non-strings), each sent
 * through grant, revoke, check, grantMany and revokeMany. Must hold: every
 * call rejects with an InvalidTupleError naming the field (with the batch
 * index) and the expected form, and Redis holds no key of the prefix after.
 *
 * Then a fuzzer (fast-check, seeded) builds field values from separators,
 * braces and invisible characters: whatever the service accepts must
 * round-trip exactly through the buffer and have the documented form;
 * whatever it rejects names the field and writes nothing.
 * Short mode: 300 fuzzed values per field; full: 3,000.
 */
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { InvalidCheckOptionsError, InvalidTupleError } from '../../src';
import { BAD_BATCH_CHECKS, BAD_CONTEXTS, BAD_CONTEXTUAL_TUPLES } from '../support/inputs/malformed-check-inputs';
import { freshStore, testOptions } from '../support/harness/env';
import { BAD_OBJECTS, BAD_RELATIONS, BAD_TYPES, BAD_USER_FILTERS, BAD_USERS } from '../support/inputs/malformed-inputs';
import { craftedMalformed, FUZZ_ALPHABET } from '../support/reliability/malformed-inputs';
import { quietNestLogs, RELIABILITY_SEED, reportFigures, scaled } from '../support/reliability/scale';
import { openService, OpenService } from '../support/harness/service';
import { BAD_CONDITIONS } from '../support/inputs/malformed-conditions';
import { createStore } from '../support/harness/store';
import { serverEnv } from '../support/harness/env';
import { freePort, PROJECT_ROOT } from '../support/harness/servers';
import { join } from 'node:path';

type Field = 'user' | 'relation' | 'object';
const VALID = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const FUZZ_PER_FIELD = scaled(300, 3000);

const EXPECTED_FORM: Record<Field, RegExp> = {
  user: /expected "type:id", "type:id#relation" or "type:\*"/,
  relation: /expected a relation name/,
  object: /expected "type:id"/,
};

/**
 * The documented forms, written independently of src/tuple: `type:id`,
 * `type:id#relation`, `type:*`; no whitespace, control character or lone
 * UTF-16 surrogate anywhere;
 * names without `: # @ *`; ids without `# :` (a lone `*` only as a user id);
 * OpenFGA's length limits.
 */
const WS = /[\s\p{Cc}\p{Cs}]/u;
const nameOk = (s: string, max: number) => s.length >= 1 && s.length <= max && !WS.test(s) && !/[:#@*]/.test(s);
const idOk = (s: string) => s.length >= 1 && !WS.test(s) && !/[#:]/.test(s) && s !== '*';
function documentedForm(field: Field, v: string): boolean {
  if (field === 'relation') return nameOk(v, 50);
  const colon = v.indexOf(':');
  if (colon <= 0) return false;
  const [type, rest] = [v.slice(0, colon), v.slice(colon + 1)];
  if (!nameOk(type, 254)) return false;
  if (field === 'object') return v.length <= 256 && idOk(rest);
  if (v.length > 512) return false;
  if (rest === '*') return true;
  const hash = rest.indexOf('#');
  return hash === -1 ? idOk(rest) : idOk(rest.slice(0, hash)) && nameOk(rest.slice(hash + 1), 50);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol' || typeof value === 'bigint' || typeof value === 'function') return `(${typeof value})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => undefined,
    (e: unknown) => e,
  );
}

async function keysOf(open: OpenService, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await (open.core.redis as Redis).scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

describe('R9: malformed input never enters the buffer', () => {
  beforeAll(() => quietNestLogs());

  it('a corpus of at least 200 malformed values is rejected by every entry point, naming the field; Redis stays empty', async () => {
    const store = await freshStore('r9-corpus');
    const options = testOptions(store, { changeFeed: { enabled: false } });
    const open = openService(options);
    try {
      // Start-up writes the store's relation graph marker, index marker and epoch; nothing else may follow.
      await open.ready();
      const atStart = new Set(await keysOf(open, options.prefix!));
      const crafted = craftedMalformed(store.storeId, options.prefix!);
      const cases: [Field, unknown][] = [
        ...[...BAD_USERS, ...crafted.user].map((v): [Field, unknown] => ['user', v]),
        ...[...BAD_RELATIONS, ...crafted.relation].map((v): [Field, unknown] => ['relation', v]),
        ...[...BAD_OBJECTS, ...crafted.object].map((v): [Field, unknown] => ['object', v]),
      ];
      expect(cases.length).toBeGreaterThanOrEqual(200);
      const failures: string[] = [];
      const { service } = open;
      for (const [field, value] of cases) {
        const t = { ...VALID, [field]: value } as typeof VALID;
        const calls: [string, string, () => Promise<unknown>][] = [
          ['grant', field, () => service.grant(t.user, t.relation, t.object)],
          ['revoke', field, () => service.revoke(t.user, t.relation, t.object)],
          ['check', field, () => service.check(t.user, t.relation, t.object)],
          ['grantMany', `tuples[1].${field}`, () => service.grantMany([VALID, t])],
          ['revokeMany', `tuples[1].${field}`, () => service.revokeMany([VALID, t])],
        ];
        for (const [name, expectedField, call] of calls) {
          const err = await rejection(call);
          const shown = show(value);
          if (!(err instanceof InvalidTupleError))
            failures.push(`${name}(${field}=${shown}): ${err === undefined ? 'accepted' : String(err)}`);
          else if (
            err.field !== expectedField ||
            !err.message.startsWith(`Invalid ${expectedField} `) ||
            !EXPECTED_FORM[field].test(err.message)
          )
            failures.push(`${name}(${field}=${shown}): ${err.field} / ${err.message}`);
        }
      }
      const keys = (await keysOf(open, options.prefix!)).filter((k) => !atStart.has(k));
      reportFigures(
        'R9-corpus',
        `${cases.length} malformed values (${crafted.user.length + crafted.relation.length + crafted.object.length} crafted against the ` +
          `key layout) × 5 entry points: ${failures.length} not rejected with the field named; ${keys.length} Redis keys written`,
        { cases: cases.length, calls: cases.length * 5, failures: failures.length, redisKeys: keys.length },
      );
      expect(failures).toEqual([]);
      expect(keys).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it('list queries (listObjects, listUsers) reject the corpus naming the field, and touch neither Redis nor OpenFGA', async () => {
    const store = await freshStore('r9-lists');
    const options = testOptions(store, { changeFeed: { enabled: false } });
    const open = openService(options);
    try {
      await open.ready();
      const atStart = new Set(await keysOf(open, options.prefix!));
      const crafted = craftedMalformed(store.storeId, options.prefix!);
      const { service } = open;
      const form = { ...EXPECTED_FORM, type: /expected a type name/, 'userFilters[0]': /expected "type" or "type#relation"/ };
      const calls: [string, keyof typeof form, () => Promise<unknown>][] = [
        ...[...BAD_USERS, ...crafted.user].map((v): [string, keyof typeof form, () => Promise<unknown>] => [
          `listObjects(user=${show(v)})`,
          'user',
          () => service.listObjects(v as string, 'viewer', 'document'),
        ]),
        ...[...BAD_RELATIONS, ...crafted.relation].flatMap((v): [string, keyof typeof form, () => Promise<unknown>][] => [
          [`listObjects(relation=${show(v)})`, 'relation', () => service.listObjects('user:anne', v as string, 'document')],
          [`listUsers(relation=${show(v)})`, 'relation', () => service.listUsers('document:1', v as string, ['user'])],
        ]),
        ...[...BAD_OBJECTS, ...crafted.object].map((v): [string, keyof typeof form, () => Promise<unknown>] => [
          `listUsers(object=${show(v)})`,
          'object',
          () => service.listUsers(v as string, 'viewer', ['user']),
        ]),
        ...BAD_TYPES.map((v): [string, keyof typeof form, () => Promise<unknown>] => [
          `listObjects(type=${show(v)})`,
          'type',
          () => service.listObjects('user:anne', 'viewer', v as string),
        ]),
        ...BAD_USER_FILTERS.map((v): [string, keyof typeof form, () => Promise<unknown>] => [
          `listUsers(userFilters=[${show(v)}])`,
          'userFilters[0]',
          () => service.listUsers('document:1', 'viewer', [v as string]),
        ]),
      ];
      const failures: string[] = [];
      for (const [name, field, call] of calls) {
        const err = await rejection(call);
        if (!(err instanceof InvalidTupleError)) failures.push(`${name}: ${err === undefined ? 'accepted' : String(err)}`);
        else if (err.field !== field || !err.message.startsWith(`Invalid ${field} `) || !form[field].test(err.message))
          failures.push(`${name}: ${err.field} / ${err.message}`);
      }
      const keys = (await keysOf(open, options.prefix!)).filter((k) => !atStart.has(k));
      reportFigures(
        'R9-lists',
        `${calls.length} malformed list queries: ${failures.length} not rejected with the field named; ${keys.length} Redis keys written`,
        {
          calls: calls.length,
          failures: failures.length,
          redisKeys: keys.length,
        },
      );
      expect(calls.length).toBeGreaterThanOrEqual(200);
      expect(failures).toEqual([]);
      expect(keys).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it(`fuzzed values (${FUZZ_PER_FIELD} per field): accepted ones round-trip exactly and have the documented form; rejected ones name the field`, async () => {
    const store = await freshStore('r9-fuzz');
    // The form alone decides here: a process that could not read the model (nothing listens at apiUrl; nothing is
    // flushed) keeps the form checks only. With the model, a well-formed tuple it forbids is refused too (model-write-rules).
    const options = testOptions(store, {
      changeFeed: { enabled: false },
      apiUrl: `http://127.0.0.1:${await freePort()}`,
      requestTimeout: 1,
    });
    const open = openService(options);
    try {
      expect((await open.service.status()).model).toMatchObject({ writesChecked: false });
      const piece = fc.string({ unit: fc.constantFrom(...FUZZ_ALPHABET), minLength: 0, maxLength: 8 });
      const word = fc.string({ unit: fc.constantFrom('a', 'b', 'x', '1'), minLength: 1, maxLength: 4 });
      const arbs: Record<Field, fc.Arbitrary<string>> = {
        user: fc.oneof(
          fc.tuple(word, piece).map(([w, p]) => `user:${w}${p}`),
          fc.tuple(word, piece, piece).map(([w, p, q]) => `group:${w}${p}#${q}`),
          fc.tuple(piece, piece).map(([p, q]) => `${p}:${q}`),
          piece,
        ),
        relation: fc.oneof(
          fc.tuple(word, piece).map(([w, p]) => `${w}${p}`),
          piece,
        ),
        object: fc.oneof(
          fc.tuple(word, piece).map(([w, p]) => `document:${w}${p}`),
          fc.tuple(piece, piece).map(([p, q]) => `${p}:${q}`),
          piece,
        ),
      };
      const accepted = new Map<string, { user: string; relation: string; object: string }>();
      const problems: string[] = [];
      let rejected = 0;
      for (const field of ['user', 'relation', 'object'] as const) {
        const values = fc.sample(arbs[field], { seed: RELIABILITY_SEED + field.length, numRuns: FUZZ_PER_FIELD });
        for (const value of values) {
          const t = { ...VALID, [field]: value };
          const err = await rejection(() => open.service.grant(t.user, t.relation, t.object));
          const documented = documentedForm(field, value);
          if (err === undefined) {
            accepted.set(`${t.user} ${t.relation} ${t.object}`, t);
            if (!documented) problems.push(`accepted ${field} ${JSON.stringify(value)}, which is not of the documented form`);
          } else {
            rejected++;
            if (!(err instanceof InvalidTupleError) || err.field !== field)
              problems.push(`${field} ${JSON.stringify(value)}: ${String(err)}`);
            else if (documented) problems.push(`rejected ${field} ${JSON.stringify(value)}, which has the documented form: ${err.message}`);
          }
        }
      }
      // The buffer holds exactly the accepted tuples, each exactly as given.
      const pending = await open.service.getPendingOperations(1_000_000);
      const buffered = new Map(pending.map((o) => [o.key, { user: o.user, relation: o.relation, object: o.object }]));
      expect(buffered).toEqual(accepted);
      reportFigures(
        'R9-fuzz',
        `${3 * FUZZ_PER_FIELD} fuzzed values (seed ${RELIABILITY_SEED}): ${rejected} rejected naming the field, ${accepted.size} distinct ` +
          `tuples accepted and round-tripped exactly through the buffer; ${problems.length} disagreements with the documented forms`,
        { fuzzed: 3 * FUZZ_PER_FIELD, rejected, accepted: accepted.size, problems: problems.length, sample: problems.slice(0, 10) },
      );
      expect(problems.slice(0, 20)).toEqual([]);
      expect(rejected).toBeGreaterThan(FUZZ_PER_FIELD / 2);
    } finally {
      await open.close();
    }
  }, 120_000);

  it('malformed conditions are rejected by grant and grantMany naming the field; Redis stays empty; odd but valid contexts round-trip exactly', async () => {
    const store = await createStore(serverEnv().apiUrl, 'r9-conditions', join(PROJECT_ROOT, 'test', 'fixtures', 'temporal-access.fga'));
    const options = testOptions(store, { changeFeed: { enabled: false } });
    const open = openService(options);
    try {
      await open.ready();
      const atStart = new Set(await keysOf(open, options.prefix!));
      const failures: string[] = [];
      for (const { condition, field } of BAD_CONDITIONS) {
        const calls: [string, () => Promise<unknown>][] = [
          [field, () => open.service.grant(VALID.user, VALID.relation, VALID.object, { condition } as never)],
          [`tuples[1].${field}`, () => open.service.grantMany([VALID, { ...VALID, user: 'user:bob', condition } as never])],
        ];
        for (const [expectedField, call] of calls) {
          const err = await rejection(call);
          if (!(err instanceof InvalidTupleError) || err.field !== expectedField)
            failures.push(`${expectedField} (${show(condition)}): ${err === undefined ? 'accepted' : String(err)}`);
        }
      }
      expect(failures).toEqual([]);
      expect((await keysOf(open, options.prefix!)).filter((k) => !atStart.has(k))).toEqual([]);
      // Separators of the record and key layout inside a context travel unchanged.
      const odd = { name: 'in_region', context: { region: 'e|u {x} #:@ \u00e9\u{1F600}', allowed: ['e|u', '|', ''] } };
      await open.service.grant(VALID.user, VALID.relation, VALID.object, { condition: odd });
      const [pending] = await open.service.getPendingOperations();
      expect(pending.condition).toEqual(odd);
      expect(await open.service.check(VALID.user, VALID.relation, VALID.object)).toBe(false);
    } finally {
      await open.close();
    }
  });

  it('malformed contexts, contextual tuples and batchCheck items are rejected whole, naming the field; nothing is asked or written', async () => {
    const store = await freshStore('r9-check-inputs');
    const options = testOptions(store, { changeFeed: { enabled: false } });
    const open = openService(options);
    try {
      await open.ready();
      const atStart = new Set(await keysOf(open, options.prefix!));
      const asked: string[] = [];
      open.service.events.on('request', (r) => asked.push(r.api));
      open.service.events.on('checked', () => asked.push('checked'));
      const calls: [string, string, () => Promise<unknown>][] = [
        ...BAD_CONTEXTS.map(([context, at]): [string, string, () => Promise<unknown>] => [
          `check context ${show(context).slice(0, 60)}`,
          `options.context${at}`,
          () => open.service.check(VALID.user, VALID.relation, VALID.object, { context: context as never }),
        ]),
        ...BAD_CONTEXTUAL_TUPLES.map(([tuples, at]): [string, string, () => Promise<unknown>] => [
          `check contextualTuples ${show(tuples).slice(0, 60)}`,
          `options.contextualTuples${at}`,
          () => open.service.check(VALID.user, VALID.relation, VALID.object, { contextualTuples: tuples as never }),
        ]),
        ...BAD_BATCH_CHECKS.map(([checks, field]): [string, string, () => Promise<unknown>] => [
          `batchCheck ${show(checks).slice(0, 60)}`,
          field,
          () => open.service.batchCheck(checks as never),
        ]),
      ];
      const failures: string[] = [];
      for (const [name, field, call] of calls) {
        const err = await rejection(call);
        if (!(err instanceof InvalidCheckOptionsError || err instanceof InvalidTupleError)) {
          failures.push(`${name}: ${err === undefined ? 'accepted' : String(err)}`);
        } else if (err.field !== field || !/expected /.test(err.message)) failures.push(`${name}: named ${err.field}, expected ${field}`);
      }
      const keys = (await keysOf(open, options.prefix!)).filter((k) => !atStart.has(k));
      reportFigures(
        'R9-check-inputs',
        `${calls.length} malformed contexts, contextual tuples and batch items: ${failures.length} not rejected with the field named; ` +
          `${asked.length} checks or OpenFGA requests made; ${keys.length} Redis keys written`,
        { calls: calls.length, failures: failures.length, asked: asked.length, redisKeys: keys.length },
      );
      expect(calls.length).toBeGreaterThanOrEqual(600);
      expect(failures.slice(0, 20)).toEqual([]);
      expect(asked).toEqual([]);
      expect(keys).toEqual([]);
    } finally {
      await open.close();
    }
  });
});
