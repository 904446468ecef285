/**
 * Contract cases for conditional grants (ABAC), on a model with conditions
 * (test/fixtures/temporal-access.fga): the same validation, buffering and
 * fail-closed checks on the real service and the fake.
 */
import { join } from 'node:path';
import { CheckUnavailableError, InvalidTupleError, ListUnavailableError, type TupleCondition } from '../../../src';
import type { ContractFactory, ContractSubject } from '../openfga-service.contract';
import { BAD_CONDITIONS } from '../../support/inputs/malformed-conditions';

const MODEL = join(__dirname, '..', '..', 'fixtures', 'temporal-access.fga');
const ANNE = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const EXPIRING: TupleCondition = { name: 'non_expired_grant', context: { grant_time: '2026-01-01T00:00:00Z', grant_duration: '1h' } };

export function conditionsContract(factory: ContractFactory): void {
  describe('conditions (ABAC)', () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await factory(MODEL);
    });
    afterEach(() => subject.close());

    it('buffers a conditional grant with its condition; the newest grant of a tuple wins with its condition', async () => {
      const fga = subject.service;
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: EXPIRING });
      expect(await fga.getPendingOperations()).toMatchObject([{ ...ANNE, kind: 'grant', condition: EXPIRING }]);
      await fga.grantMany([{ ...ANNE, condition: { name: 'in_region', context: { region: 'eu' } } }]);
      await fga.grantMany([ANNE]);
      const [op] = await fga.getPendingOperations();
      expect(op.condition).toBeUndefined();
    });

    it("a conditional tuple counts while its condition holds, pending or flushed (evaluated with the tuple's context)", async () => {
      const fga = subject.service;
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, {
        condition: { name: 'in_region', context: { region: 'eu', allowed: ['eu'] } },
      });
      await fga.grantMany([{ ...ANNE, user: 'user:bob', condition: { name: 'in_region', context: { region: 'us', allowed: ['eu'] } } }]);
      for (const stage of ['pending', 'flushed']) {
        expect([stage, await fga.check(ANNE.user, ANNE.relation, ANNE.object)]).toEqual([stage, true]);
        expect([stage, await fga.check('user:bob', ANNE.relation, ANNE.object)]).toEqual([stage, false]);
        await fga.flush();
      }
    });

    it('a check reaching a conditional tuple whose parameters it lacks fails closed, pending or flushed', async () => {
      const fga = subject.service;
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: EXPIRING });
      await expect(fga.check(ANNE.user, ANNE.relation, ANNE.object)).rejects.toBeInstanceOf(CheckUnavailableError);
      await fga.flush();
      await expect(fga.check(ANNE.user, ANNE.relation, ANNE.object)).rejects.toBeInstanceOf(CheckUnavailableError);
      // A relation that reads no conditional tuple is answered as usual.
      expect(await fga.check(ANNE.user, 'editor', ANNE.object)).toBe(false);
    });

    it('refuses malformed conditions and conditions the model does not accept, naming the field, and buffers nothing', async () => {
      const fga = subject.service;
      for (const { condition, field } of BAD_CONDITIONS) {
        const err = await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition } as never).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidTupleError);
        expect(err).toMatchObject({ field });
        const many = await fga.grantMany([ANNE, { ...ANNE, user: 'user:bob', condition } as never]).catch((e: unknown) => e);
        expect(many).toMatchObject({ field: `tuples[1].${field}` });
      }
      await expect(fga.grant(ANNE.user, 'editor', ANNE.object, { condition: EXPIRING })).rejects.toMatchObject({ field: 'condition' });
      await expect(fga.revokeMany([{ ...ANNE, condition: EXPIRING } as never])).rejects.toMatchObject({ field: 'tuples[0].condition' });
      expect(await fga.getPendingOperations()).toEqual([]);
    });

    it('dead-letters at flush a conditional grant whose context value its parameter type cannot take, and writes the rest', async () => {
      const fga = subject.service;
      // A string, so the call takes it (the type of a JSON value is all it checks); OpenFGA reads it as a timestamp at Write.
      const unreadable: TupleCondition = { name: 'non_expired_grant', context: { grant_time: 'yesterday', grant_duration: '1h' } };
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: unreadable });
      await fga.grant('user:bob', ANNE.relation, ANNE.object, { condition: EXPIRING });
      expect(await fga.flush()).toMatchObject({ writes: 1, failed: 0, deadLettered: 1 });
      const letters = await fga.getDeadLetters();
      expect(letters).toMatchObject([{ operation: { kind: 'grant', ...ANNE, condition: unreadable } }]);
      expect(letters[0].reason).toMatch(
        /^Invalid tuple 'document:1#viewer@user:anne \(condition non_expired_grant\)'\. Reason: parameter type error on condition 'non_expired_grant' - failed to convert context parameter 'grant_time': /,
      );
      expect(await fga.read({ object: ANNE.object })).toMatchObject({ tuples: [{ user: 'user:bob', condition: EXPIRING }] });
    });

    it('lists reaching a conditional tuple they cannot evaluate fail closed with ListUnavailableError, pending or flushed', async () => {
      const fga = subject.service;
      await fga.grant('user:carl', 'viewer', 'document:2', { condition: { name: 'in_region', context: { allowed: ['eu', 'us'] } } });
      await fga.grant('user:carl', 'viewer', 'document:3');
      for (const stage of ['pending', 'flushed']) {
        const unavailable = (query: string) => ({ name: 'ListUnavailableError', query, stage });
        const failed = (p: Promise<unknown>) =>
          p.then(
            () => undefined,
            (e: unknown) => ({ name: (e as Error).name, query: (e as ListUnavailableError).query, stage }),
          );
        expect(await failed(fga.listObjects('user:carl', 'viewer', 'document'))).toEqual(
          unavailable('listObjects user:carl viewer document'),
        );
        expect(await failed(fga.listObjects('user:carl', 'viewer', 'document', { context: { region: 5 } }))).toEqual(
          unavailable('listObjects user:carl viewer document'),
        );
        expect(await failed(fga.listUsers('document:2', 'viewer', ['user']))).toEqual(unavailable('listUsers document:2 viewer [user]'));
        // With the context the condition needs, both are answered.
        expect(await fga.listObjects('user:carl', 'viewer', 'document', { context: { region: 'eu' } })).toEqual([
          'document:2',
          'document:3',
        ]);
        expect(await fga.listUsers('document:2', 'viewer', ['user'], { context: { region: 'eu' } })).toEqual(['user:carl']);
        await fga.flush();
      }
    });

    it('a check reaching a pending grant whose context its parameter type cannot take dead-letters it, then answers', async () => {
      const fga = subject.service;
      const unreadable: TupleCondition = { name: 'non_expired_grant', context: { grant_time: 'yesterday', grant_duration: '1h' } };
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: unreadable });
      expect(await fga.check(ANNE.user, ANNE.relation, ANNE.object, { context: { current_time: '2026-01-01T00:30:00Z' } })).toBe(false);
      expect(await fga.getPendingOperations()).toEqual([]);
      const letters = await fga.getDeadLetters();
      expect(letters).toMatchObject([{ operation: { kind: 'grant', ...ANNE, condition: unreadable } }]);
      expect(letters[0].reason).toContain("failed to convert context parameter 'grant_time'");
    });
  });
}
