/**
 * Two connections in one Nest app (the default one and `billing`): on the real
 * service each has its own store and buffer; under `OpenFgaTestingModule` each
 * its own fake. What one connection records is invisible on the other, and
 * flushing or clearing one leaves the other alone.
 */
import type { OpenFgaEventName, Tuple } from '../../../src';
import type { OpenFgaServiceContract } from '../../../src/testing';

/** The two services of one app, fresh for each test. */
export interface ConnectionsSubject {
  /** `OpenFgaService`: the default connection. */
  main: OpenFgaServiceContract;
  /** `getOpenFgaServiceToken('billing')`. */
  billing: OpenFgaServiceContract;
  close(): Promise<void>;
}

export type ConnectionsFactory = () => Promise<ConnectionsSubject>;

const ANNE: Tuple = { user: 'user:anne', relation: 'viewer', object: 'document:1' };
const BOB: Tuple = { user: 'user:bob', relation: 'editor', object: 'document:2' };
const args = (t: Tuple) => [t.user, t.relation, t.object] as const;

export function connectionsContract(factory: ConnectionsFactory): void {
  describe('two connections in one app', () => {
    let subject: ConnectionsSubject;
    beforeEach(async () => {
      subject = await factory();
    });
    afterEach(() => subject.close());

    it('a grant on one connection is invisible on the other: checks, pending operations, status', async () => {
      const { main, billing } = subject;
      await billing.grant(...args(ANNE));
      expect(await billing.check(...args(ANNE))).toBe(true);
      expect(await main.check(...args(ANNE))).toBe(false);
      expect(await main.getPendingOperations()).toEqual([]);
      expect((await main.status()).pending.total).toBe(0);
      expect((await billing.status()).pending).toMatchObject({ writes: 1, total: 1 });
      // And the other way round.
      await main.grant(...args(BOB));
      expect(await billing.check(...args(BOB))).toBe(false);
      expect((await billing.getPendingOperations()).map((o) => o.user)).toEqual(['user:anne']);
    });

    it('a flush or a clear of one connection leaves the other’s operations as they were', async () => {
      const { main, billing } = subject;
      await main.grant(...args(ANNE));
      await billing.grantMany([ANNE, BOB]);

      expect(await main.flush()).toMatchObject({ writes: 1, failed: 0 });
      expect((await billing.status()).pending.total).toBe(2);
      expect(await main.check(...args(ANNE))).toBe(true); // written on its store
      expect(await main.check(...args(BOB))).toBe(false);

      expect(await billing.clear()).toBe(2);
      expect(await billing.check(...args(ANNE))).toBe(false); // never written to billing's store
      expect(await main.check(...args(ANNE))).toBe(true);
    });

    it('each connection’s event hub reports its own operations only', async () => {
      const { main, billing } = subject;
      const seen: string[] = [];
      const names: OpenFgaEventName[] = ['enqueued', 'flushed'];
      for (const name of names) {
        main.events.on(name, () => seen.push(`main ${name}`));
        billing.events.on(name, () => seen.push(`billing ${name}`));
      }
      await billing.grant(...args(ANNE));
      await billing.flush();
      expect(seen).toEqual(['billing enqueued', 'billing flushed']);
    });

    it('a consistency token of one connection is refused by the other’s checks, as a foreign token is', async () => {
      const { main, billing } = subject;
      const token = await billing.grant(...args(ANNE));
      expect(await billing.check(...args(ANNE), { consistency: 'at-least-as-fresh', token })).toBe(true);
      await expect(main.check(...args(ANNE), { consistency: 'at-least-as-fresh', token })).rejects.toThrow(
        'issued for another store or prefix',
      );
    });
  });
}
