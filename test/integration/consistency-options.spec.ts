/**
 * Consistency options on the real servers: a token is never ignored silently (a level that would not
 * read it, or an unknown level, is refused naming the field, before anything is written), and a token
 * beyond the latest position (forged, or from before Redis lost its data) reads as the latest one, so
 * a stream of relevant writes cannot hold the read until checkTimeout.
 */
import { InvalidConsistencyTokenError } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { startRedis } from '../support/harness/servers';
import { openService, OpenService } from '../support/harness/service';

const anne = { user: 'user:anne', relation: 'viewer', object: 'document:1' };

describe('consistency options', () => {
  const opened: OpenService[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  const open = async (o: Parameters<typeof openService>[0]) => {
    const s = openService(o);
    opened.push(s);
    await s.ready();
    return s;
  };

  /** Keeps one relevant tuple (user:x viewer document:1) pending, from another "process", until stopped. */
  const stream = (writer: OpenService) => {
    let stop = false;
    let n = 0;
    const done = (async () => {
      while (!stop) {
        await (n++ % 2 ? writer.service.revoke('user:x', 'viewer', 'document:1') : writer.service.grant('user:x', 'viewer', 'document:1'));
      }
    })();
    return async () => {
      stop = true;
      await done;
    };
  };

  describe('a token the level would not read, or an unknown level, is refused naming the field', () => {
    it.each([
      ['a token without a level (garbage)', { token: 'garbage' }, InvalidConsistencyTokenError, 'options.token'],
      [
        'minimize-latency with a token',
        { consistency: 'minimize-latency', token: 'garbage' },
        InvalidConsistencyTokenError,
        'options.token',
      ],
      ['an unknown level', { consistency: 'STRONG' }, InvalidConsistencyTokenError, 'options.consistency'],
      ['a null level', { consistency: null }, InvalidConsistencyTokenError, 'options.consistency'],
      ['at-least-as-fresh without a token', { consistency: 'at-least-as-fresh' }, InvalidConsistencyTokenError, 'options.token'],
      ['strong with a foreign token', { consistency: 'strong', token: 'v1.1.AAAAAAAAAA' }, InvalidConsistencyTokenError, 'another store'],
    ])('%s', async (_name, options, type, named) => {
      const s = await open(testOptions(await freshStore('consistency-options')));
      await s.service.grant(anne.user, anne.relation, anne.object);
      const calls = [
        s.service.check(anne.user, anne.relation, anne.object, options as never),
        s.service.batchCheck([anne], options as never),
        s.service.listObjects(anne.user, anne.relation, 'document', options as never),
        s.service.listUsers(anne.object, anne.relation, ['user'], options as never),
      ];
      for (const call of calls) {
        const err = await call.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(type);
        expect((err as Error).message).toContain(named);
      }
      expect((await s.service.status()).pending.total).toBe(1); // nothing was written first
    });

    it('strong with a token of the store is taken (newer than the token anyway)', async () => {
      const s = await open(testOptions(await freshStore('consistency-options')));
      const token = await s.service.grant(anne.user, anne.relation, anne.object);
      expect(await s.service.check(anne.user, anne.relation, anne.object, { consistency: 'strong', token })).toBe(true);
    });
  });

  describe('a token beyond the latest position does not hold a read until checkTimeout', () => {
    it('a forged future token, while relevant writes keep coming', async () => {
      const options = testOptions(await freshStore('review-future'), { checkTimeout: 3 });
      const s = await open(options);
      const writer = await open(options);
      const token = await s.service.grant(anne.user, anne.relation, anne.object);
      const future = `v1.zzzzzzzz.${token.split('.')[2]}`;
      const stop = stream(writer);
      try {
        const fresh = { consistency: 'at-least-as-fresh' as const, token: future };
        expect(await s.service.check(anne.user, anne.relation, anne.object, fresh)).toBe(true);
        expect(await s.service.listObjects(anne.user, anne.relation, 'document', fresh)).toEqual(['document:1']);
      } finally {
        await stop();
      }
    });

    it('a token from before Redis lost its data, while relevant writes keep coming', async () => {
      const redis = await startRedis();
      try {
        const options = testOptions(await freshStore('review-lost'), { redis: redis.url, checkTimeout: 3 });
        const s = await open(options);
        const writer = await open(options);
        await s.service.grant(anne.user, anne.relation, anne.object);
        await s.service.flush();
        // An import the client saw acknowledged (token at position ~10,000), lost with Redis before its flush.
        let token = '';
        for (let i = 0; i < 10; i++) {
          token = await s.service.grantMany(
            Array.from({ length: 1000 }, (_, k) => ({ user: `user:i${i}-${k}`, relation: 'viewer', object: 'document:2' })),
          );
        }
        await redis.restart(); // no persistence: the buffer and its position counter are gone
        await new Promise((r) => setTimeout(r, 500));
        const stop = stream(writer);
        try {
          expect(await s.service.check(anne.user, anne.relation, anne.object, { consistency: 'at-least-as-fresh', token })).toBe(true);
        } finally {
          await stop();
        }
      } finally {
        await redis.stop();
      }
    });
  });
});
