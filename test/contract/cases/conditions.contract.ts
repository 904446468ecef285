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

    it("refuses a context value its parameter's type cannot take, as OpenFGA's Write would, and takes what OpenFGA converts", async () => {
      const fga = subject.service;
      // Each would be buffered, then refused by OpenFGA at flush and dead-lettered, out of the caller's sight.
      const refused: [Record<string, unknown>, string][] = [
        [{ grant_time: 'yesterday', grant_duration: '1h' }, 'condition.context.grant_time'],
        [{ grant_time: '2026-01-01T00:00:00Z', grant_duration: '10 minutes' }, 'condition.context.grant_duration'],
      ];
      for (const [context, field] of refused) {
        const condition: TupleCondition = { name: 'non_expired_grant', context };
        const err = await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidTupleError);
        expect(err).toMatchObject({ field });
        expect((err as Error).message).toMatch(/expected an? (RFC 3339 timestamp|duration) string/);
        await expect(fga.grantMany([ANNE, { ...ANNE, user: 'user:bob', condition }])).rejects.toMatchObject({
          field: `tuples[1].${field}`,
        });
      }
      // A list's items are converted too.
      const inRegion: TupleCondition = { name: 'in_region', context: { region: 'eu', allowed: ['eu', 3] } };
      await expect(fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: inRegion })).rejects.toMatchObject({
        field: 'condition.context.allowed',
      });
      expect(await fga.getPendingOperations()).toEqual([]);
      // What OpenFGA reads: an offset timestamp with fractions, a Go duration of several units.
      const taken: TupleCondition = {
        name: 'non_expired_grant',
        context: { grant_time: '2026-01-01T01:00:00.5+01:00', grant_duration: '1h30m' },
      };
      await fga.grant(ANNE.user, ANNE.relation, ANNE.object, { condition: taken });
      expect(await fga.flush()).toMatchObject({ writes: 1, failed: 0, deadLettered: 0 });
      expect(await fga.read({ object: ANNE.object })).toMatchObject({ tuples: [{ ...ANNE, condition: taken }] });
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
  });
}
