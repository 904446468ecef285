/**
 * Contract cases for request-time context, caller contextual tuples and
 * batchCheck (issue 14): the real service and the fake answer alike. The
 * fixture model defines no condition: a context is accepted and changes
 * nothing; a conditional contextual tuple is refused by OpenFGA (the
 * condition is undefined), so no answer (CheckUnavailableError).
 */
import { CheckUnavailableError, InvalidCheckOptionsError, InvalidConsistencyTokenError, InvalidTupleError } from '../../../src';
import type { BatchCheckItem, OpenFgaEventMap, Tuple } from '../../../src';
import type { OpenFgaServiceContract } from '../../../src/testing';

const tuple = (user: string, relation: string, object: string): Tuple => ({ user, relation, object });
const ANNE = tuple('user:anne', 'viewer', 'document:1');
const BOB = tuple('user:bob', 'viewer', 'document:1');
const CARL = tuple('user:carl', 'viewer', 'document:2');
const args = (t: Tuple) => [t.user, t.relation, t.object] as const;

/** `service` gives the service under contract of the running test (the suite's factory makes a fresh one per test). */
export function batchCheckContract(service: () => OpenFgaServiceContract): void {
  let fga: OpenFgaServiceContract;
  beforeEach(() => {
    fga = service();
  });

  describe('check with a request-time context and contextual tuples', () => {
    it('caller contextual tuples grant access for that check only: the answer is never cached for a plain check', async () => {
      const sources: string[] = [];
      fga.events.on('checked', (p: OpenFgaEventMap['checked']) => sources.push(`${p.source} ${p.allowed}`));
      expect(await fga.check(...args(ANNE), { contextualTuples: [ANNE] })).toBe(true);
      expect(await fga.check(...args(ANNE))).toBe(false);
      expect(await fga.check(...args(ANNE))).toBe(false);
      expect(await fga.check(...args(ANNE), { contextualTuples: [ANNE] })).toBe(true);
      // Derived relations count them as OpenFGA does: editor ⇒ viewer, group membership.
      expect(await fga.check(...args(BOB), { contextualTuples: [tuple('user:bob', 'editor', 'document:1')] })).toBe(true);
      const viaGroup = [tuple('user:carl', 'member', 'group:g'), tuple('group:g#member', 'viewer', 'document:2')];
      expect(await fga.check(...args(CARL), { contextualTuples: viaGroup })).toBe(true);
      expect(sources).toEqual(['openfga true', 'openfga false', 'cache false', 'openfga true', 'openfga true', 'openfga true']);
    });

    it('sees pending grants beside the caller tuples, and a pending revoke still hides access', async () => {
      await fga.grant('user:anne', 'member', 'group:g');
      expect(await fga.check(...args(ANNE), { contextualTuples: [tuple('group:g#member', 'viewer', 'document:1')] })).toBe(true);
      await fga.grant(...args(BOB));
      await fga.flush();
      await fga.revoke(...args(BOB));
      expect(await fga.check(...args(BOB), { context: { ip: '10.0.0.1' } })).toBe(false);
      // A caller tuple repeating a pending grant is sent once (OpenFGA refuses duplicates).
      await fga.grant(...args(CARL));
      expect(await fga.check(...args(CARL), { contextualTuples: [CARL] })).toBe(true);
    });

    it('accepts a context the model has no condition for (it changes nothing), and is not served a cached answer', async () => {
      await fga.grant(...args(ANNE));
      await fga.flush();
      expect(await fga.check(...args(ANNE))).toBe(true); // cached now
      const sources: string[] = [];
      fga.events.on('checked', (p: OpenFgaEventMap['checked']) => sources.push(p.source));
      expect(await fga.check(...args(ANNE), { context: { ip: '10.0.0.1', tags: ['a'], nested: { n: 1, ok: true, none: null } } })).toBe(
        true,
      );
      expect(sources).toEqual(['openfga']);
    });

    it('a conditional contextual tuple whose condition the model does not define gets no answer (fail closed)', async () => {
      const conditional = { ...ANNE, condition: { name: 'in_office_hours', context: { tz: 'UTC' } } };
      await expect(fga.check(...args(ANNE), { contextualTuples: [conditional] })).rejects.toThrow(CheckUnavailableError);
      expect(await fga.check(...args(ANNE))).toBe(false);
    });

    it('refuses a malformed context or contextual tuple, naming the field, before anything happens', async () => {
      const cases: [unknown, string, unknown][] = [
        [{ context: 'ip=1' }, 'options.context', InvalidCheckOptionsError],
        [{ context: [1] }, 'options.context', InvalidCheckOptionsError],
        [{ context: { at: new Date(0) } }, 'options.context.at', InvalidCheckOptionsError],
        [{ context: { n: Number.NaN } }, 'options.context.n', InvalidCheckOptionsError],
        [{ context: { f: () => 1 } }, 'options.context.f', InvalidCheckOptionsError],
        [{ context: { big: 'x'.repeat(40_000) } }, 'options.context', InvalidCheckOptionsError],
        [{ contextualTuples: ANNE }, 'options.contextualTuples', InvalidCheckOptionsError],
        [{ contextualTuples: [ANNE, BOB, CARL, { ...ANNE, user: 'anne' }] }, 'options.contextualTuples[3].user', InvalidTupleError],
        [{ contextualTuples: [{ ...ANNE, extra: 1 }] }, 'options.contextualTuples[0].extra', InvalidTupleError],
        [{ contextualTuples: [ANNE, ANNE] }, 'options.contextualTuples[1]', InvalidCheckOptionsError],
        [
          { contextualTuples: [{ ...ANNE, condition: { name: 'a b' } }] },
          'options.contextualTuples[0].condition.name',
          InvalidCheckOptionsError,
        ],
        [
          { contextualTuples: [{ ...ANNE, condition: { name: 'c', context: 5 } }] },
          'options.contextualTuples[0].condition.context',
          InvalidCheckOptionsError,
        ],
        [
          { contextualTuples: Array.from({ length: 101 }, (_, i) => tuple(`user:u${i}`, 'viewer', 'document:1')) },
          'options.contextualTuples',
          InvalidCheckOptionsError,
        ],
        [{ contexts: {} }, 'options.contexts', InvalidCheckOptionsError],
      ];
      for (const [options, field, type] of cases) {
        const err = await fga.check(...args(ANNE), options as never).catch((e: unknown) => e);
        expect([field, err]).toEqual([field, expect.any(type)]);
        expect(err).toMatchObject({ field });
      }
      expect(await fga.getPendingOperations()).toEqual([]);
    });
  });

  describe('batchCheck', () => {
    it('answers every item in input order, pending writes included, echoing each item', async () => {
      await fga.grant(...args(ANNE));
      await fga.grant('user:bob', 'editor', 'document:1');
      await fga.flush();
      await fga.grant(...args(CARL)); // pending
      const checks: BatchCheckItem[] = [
        { ...ANNE, correlationId: 'a' },
        { ...BOB, correlationId: 'b' },
        { ...CARL, correlationId: 'c' },
        tuple('user:dora', 'viewer', 'document:1'),
        { ...tuple('user:dora', 'viewer', 'document:2'), contextualTuples: [tuple('user:dora', 'editor', 'document:2')] },
        { ...ANNE, context: { ip: '10.0.0.1' } },
      ];
      const answers = await fga.batchCheck(checks);
      expect(answers).toEqual(checks.map((c, i) => ({ ...c, allowed: [true, true, true, false, true, true][i] })));
      // The contextual-tuple answer was not cached: a plain check denies.
      expect(await fga.check('user:dora', 'viewer', 'document:2')).toBe(false);
      expect(await fga.batchCheck([])).toEqual([]);
    });

    it('serves cached answers, emits checked per item, and never serves a context answer from the cache', async () => {
      await fga.grant(...args(ANNE));
      await fga.flush();
      await fga.batchCheck([ANNE, BOB]);
      const seen: string[] = [];
      fga.events.on('checked', (p: OpenFgaEventMap['checked']) => seen.push(`${p.source} ${p.allowed}`));
      const answers = await fga.batchCheck([ANNE, BOB, { ...BOB, contextualTuples: [BOB] }]);
      expect(answers.map((a) => a.allowed)).toEqual([true, false, true]);
      expect(seen).toEqual(['cache true', 'cache false', 'openfga true']);
    });

    it('writes a pending revoke that could turn an item first, and leaves unrelated pending ops alone', async () => {
      await fga.grantMany([ANNE, BOB]);
      await fga.flush();
      await fga.revoke(...args(ANNE));
      await fga.grant('user:erin', 'owner', 'document:9'); // no part of any answer
      const answers = await fga.batchCheck([ANNE, BOB]);
      expect(answers.map((a) => a.allowed)).toEqual([false, true]);
      expect((await fga.getPendingOperations()).map((o) => o.key)).toEqual(['user:erin owner document:9']);
    });

    it('fails closed per item: one OpenFGA cannot answer has allowed false and a CheckUnavailableError, the rest are answered', async () => {
      await fga.grant(...args(ANNE));
      const answers = await fga.batchCheck([ANNE, tuple('user:anne', 'viewer', 'unknown:1'), BOB]);
      expect(answers.map((a) => a.allowed)).toEqual([true, false, false]);
      expect(answers[1].error).toBeInstanceOf(CheckUnavailableError);
      expect([answers[0].error, answers[2].error]).toEqual([undefined, undefined]);
    });

    it('answers more items than one OpenFGA BatchCheck takes (chunks of 50)', async () => {
      const users = Array.from({ length: 120 }, (_, i) => `user:u${i}`);
      await fga.grantMany(users.filter((_, i) => i % 3 === 0).map((u) => tuple(u, 'viewer', 'document:big')));
      await fga.flush();
      const answers = await fga.batchCheck(users.map((u) => tuple(u, 'viewer', 'document:big')));
      expect(answers.map((a) => a.allowed)).toEqual(users.map((_, i) => i % 3 === 0));
    });

    it('takes consistency levels for the whole batch, and rejects a bad token as check does', async () => {
      const token = await fga.grant(...args(ANNE));
      const answers = await fga.batchCheck([ANNE, BOB], { consistency: 'at-least-as-fresh', token });
      expect(answers.map((a) => a.allowed)).toEqual([true, false]);
      expect(await fga.getPendingOperations()).toEqual([]);
      const seen: unknown[] = [];
      fga.events.on('checked', (p) => seen.push(p));
      await expect(fga.batchCheck([ANNE, BOB], { consistency: 'at-least-as-fresh', token: 'nope' })).rejects.toThrow(
        InvalidConsistencyTokenError,
      );
      await expect(fga.batchCheck([ANNE], { consistency: 'eventual' as never })).rejects.toThrow(InvalidConsistencyTokenError);
      expect(seen).toEqual([]);
    });

    it('rejects invalid input as a whole, naming checks[i].field, before anything is asked', async () => {
      const seen: unknown[] = [];
      fga.events.on('checked', (p) => seen.push(p));
      const cases: [unknown, unknown, string][] = [
        [ANNE, undefined, 'checks'],
        [[ANNE, null], undefined, 'checks[1]'],
        [[ANNE, BOB, { ...CARL, relation: 'view er' }], undefined, 'checks[2].relation'],
        [[{ ...ANNE, extra: 1 }], undefined, 'checks[0].extra'],
        [[{ ...ANNE, context: 'x' }], undefined, 'checks[0].context'],
        [[{ ...ANNE, contextualTuples: [{ ...BOB, object: 'doc' }] }], undefined, 'checks[0].contextualTuples[0].object'],
        [[{ ...ANNE, correlationId: 7 }], undefined, 'checks[0].correlationId'],
        [
          [
            { ...ANNE, correlationId: 'x' },
            { ...BOB, correlationId: 'x' },
          ],
          undefined,
          'checks[1].correlationId',
        ],
        [[ANNE], { context: {} }, 'options.context'],
        [[ANNE], 'strong', 'options'],
        [Array.from({ length: 1001 }, () => ANNE), undefined, 'checks'],
      ];
      for (const [checks, options, field] of cases) {
        const err = await fga.batchCheck(checks as never, options as never).catch((e: unknown) => e);
        expect([field, err]).toEqual([field, expect.objectContaining({ field })]);
      }
      expect(seen).toEqual([]);
    });
  });
}
