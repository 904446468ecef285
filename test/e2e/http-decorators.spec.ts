/**
 * @Check / @Grant / @Revoke over HTTP, on Express and Fastify, against the
 * real Redis and OpenFGA the global setup started.
 */
import { INestApplication, Injectable } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import request from 'supertest';
import { OpenFgaRequest, OpenFgaService } from '../../src';
import { OpenFgaGuard } from '../../src/http';
import { freshStore, testOptions } from '../support/harness/env';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { DocumentsController, FoldersController } from './support/controllers';
import { PLATFORMS, startApp, tokenPosition } from './support/http-app';

const HEADER = 'x-consistency-token';

describe.each(PLATFORMS)('HTTP decorators on %s', (platform) => {
  let app: INestApplication;
  let fga: OpenFgaService;
  let storeId: string;
  let n = 0;
  /** A name no other test uses, so tests never see each other's tuples. */
  const unique = (what: string) => `${what}${++n}`;
  const http = () => request(app.getHttpServer());
  const pending = async () => (await fga.status()).pending.total;

  beforeAll(async () => {
    const store = await freshStore(`http-${platform}`);
    storeId = store.storeId;
    app = await startApp(platform, testOptions(store), [DocumentsController, FoldersController]);
    fga = app.get(OpenFgaService);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('@Check', () => {
    it('allows a user who has the relation (200)', async () => {
      const [user, doc] = [unique('anne'), unique('d')];
      await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      await http().get(`/documents/${doc}`).set('x-user', user).expect(200, { id: doc });
    });

    it('denies a user who has not (403)', async () => {
      const doc = unique('d');
      await fga.grant(`user:${unique('anne')}`, 'viewer', `document:${doc}`);
      const res = await http().get(`/documents/${doc}`).set('x-user', unique('bob')).expect(403);
      expect(res.body).toMatchObject({ statusCode: 403 });
    });

    it('answers relations derived in OpenFGA (flushed tuples)', async () => {
      const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
      await fga.grant(`folder:${folder}`, 'parent', `document:${doc}`);
      await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
      await fga.flush();
      await http().get(`/documents/${doc}`).set('x-user', user).expect(200);
    });

    it('answers 401 without a user', async () => {
      await http()
        .get(`/documents/${unique('d')}`)
        .expect(401);
    });

    it('answers 400, never 500 or 200, when a placeholder has no usable value', async () => {
      const [user, doc] = [unique('anne'), unique('d')];
      await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      const missing = await http().get(`/documents/${doc}/in-folder`).set('x-user', user).expect(400);
      expect(missing.body.message).toContain('{query.folder}');
      await http().get(`/documents/${doc}/in-folder?folder=a&folder=b`).set('x-user', user).expect(400);
      await http().get(`/documents/${doc}/in-folder?folder[x]=a`).set('x-user', user).expect(400);
      // An id that would steer the check to a userset or another type: refused, not checked.
      await http()
        .get(`/documents/${encodeURIComponent(`${doc}#owner`)}`)
        .set('x-user', user)
        .expect(400);
      await http()
        .get(`/documents/${encodeURIComponent('a:b')}`)
        .set('x-user', user)
        .expect(400);
      // Too long for an OpenFGA id (Fastify refuses such a long path param itself, so the query carries it).
      await http()
        .get(`/documents/${doc}/in-folder?folder=${'x'.repeat(300)}`)
        .set('x-user', user)
        .expect(400);
    });

    it('refuses (401) a user id that cannot stand in a tuple: the request has no one user to act as', async () => {
      await http()
        .get(`/documents/${unique('d')}`)
        .set('x-user', 'a#b')
        .expect(401);
    });

    it('denies (403), never 500, when a function template crashes', async () => {
      await http()
        .get(`/documents/${unique('d')}/crashing-function`)
        .set('x-user', unique('anne'))
        .expect(403);
    });

    it('accepts function templates', async () => {
      const [user, doc] = [unique('anne'), unique('d')];
      await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      await http().get(`/documents/${doc}/by-function`).set('x-user', user).expect(200, { id: doc });
      await http().get(`/documents/${doc}/by-function`).set('x-user', unique('bob')).expect(403);
    });

    it('requires all checks by default and one with @CheckMode("any")', async () => {
      const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
      await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      await http().get(`/documents/${doc}/in-folder?folder=${folder}`).set('x-user', user).expect(403);
      await http().get(`/documents/${doc}/either?folder=${folder}`).set('x-user', user).expect(200);
      await http().get(`/documents/${doc}/either?folder=${folder}`).set('x-user', unique('bob')).expect(403);
      await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
      await http().get(`/documents/${doc}/in-folder?folder=${folder}`).set('x-user', user).expect(200);
    });

    it('asks each check once although the guard is applied on the class and the route', async () => {
      const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
      await fga.grant(`user:${user}`, 'editor', `document:${doc}`);
      await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
      const check = jest.spyOn(fga, 'check'); // calls through to the real service
      const batch = jest.spyOn(fga, 'batchCheck');
      try {
        await http().get(`/folders/${folder}/documents/${doc}`).set('x-user', user).expect(200);
        // The class's and the route's checks: one batchCheck, no single checks.
        expect(batch.mock.calls).toEqual([
          [
            [
              { user: `user:${user}`, relation: 'viewer', object: `folder:${folder}` },
              { user: `user:${user}`, relation: 'editor', object: `document:${doc}` },
            ],
            {},
          ],
        ]);
        expect(check).not.toHaveBeenCalled();
      } finally {
        check.mockRestore();
        batch.mockRestore();
      }
    });

    it('fills context and contextual tuples from the request; their answers are never cached', async () => {
      const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
      await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
      const read = jest.spyOn(fga, 'check');
      try {
        await http().get(`/documents/${doc}/via-folder?folder=${folder}`).set('x-user', user).set('x-region', 'eu').expect(200);
        expect(read.mock.calls[0][3]).toEqual({
          context: { region: 'eu', source: 'http' },
          contextualTuples: [{ user: `folder:${folder}`, relation: 'parent', object: `document:${doc}` }],
        });
      } finally {
        read.mockRestore();
      }
      // Not cached for the plain route, and another folder grants nothing.
      await http().get(`/documents/${doc}`).set('x-user', user).expect(403);
      await http()
        .get(`/documents/${doc}/via-folder?folder=${unique('f')}`)
        .set('x-user', user)
        .set('x-region', 'eu')
        .expect(403);
      // A value the request lacks, or an id that would steer the tuple: 400.
      await http().get(`/documents/${doc}/via-folder?folder=${folder}`).set('x-user', user).expect(400);
      await http().get(`/documents/${doc}/via-folder?folder=a%23b`).set('x-user', user).set('x-region', 'eu').expect(400);
      // Function forms, evaluated with @CheckMode('any') in one batchCheck.
      const batch = jest.spyOn(fga, 'batchCheck');
      try {
        await http().get(`/documents/${doc}/via-function?folder=${folder}`).set('x-user', user).expect(200);
        expect(batch).toHaveBeenCalledTimes(1);
      } finally {
        batch.mockRestore();
      }
      await http()
        .get(`/documents/${doc}/via-function?folder=${unique('f')}`)
        .set('x-user', user)
        .expect(403);
      await http().get(`/documents/${doc}/via-function?folder=${folder}&bad=1`).set('x-user', user).expect(400);
    });

    it('requires the class-level check on top of the route, also in any mode', async () => {
      const [user, doc, folder] = [unique('anne'), unique('d'), unique('f')];
      await fga.grant(`user:${user}`, 'editor', `document:${doc}`);
      await http().get(`/folders/${folder}/documents/${doc}`).set('x-user', user).expect(403);
      await http().get(`/folders/${folder}/documents/${doc}/any`).set('x-user', user).expect(403);
      await http().get(`/folders/${folder}`).set('x-user', user).expect(403);
      await fga.grant(`user:${user}`, 'viewer', `folder:${folder}`);
      await http().get(`/folders/${folder}`).set('x-user', user).expect(200);
      await http().get(`/folders/${folder}/documents/${doc}`).set('x-user', user).expect(200);
      await http().get(`/folders/${folder}/documents/${doc}/any`).set('x-user', user).expect(200);
    });
  });

  describe('X-Consistency-Token', () => {
    it('rejects a malformed token with 400 instead of ignoring it', async () => {
      const [user, doc] = [unique('anne'), unique('d')];
      await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      const res = await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, 'garbage').expect(400);
      expect(res.body.message).toMatch(/X-Consistency-Token/);
      await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, '').expect(400);
    });

    it('rejects a token of another store or prefix with 400', async () => {
      const [user, doc] = [unique('anne'), unique('d')];
      const token = await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
      const foreign = token.replace(/\.[A-Za-z0-9_-]{10}$/, '.AAAAAAAAAA');
      const res = await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, foreign).expect(400);
      expect(res.body.message).toMatch(/another store or prefix/);
    });
  });

  describe('@Grant / @Revoke', () => {
    it('records the tuple after the handler and returns the token; a check with it is allowed at once', async () => {
      const [user, doc] = [unique('dora'), unique('new')];
      const before = await pending();
      const res = await http().post('/documents').set('x-user', user).send({ id: doc }).expect(201, { id: doc });
      const token = res.headers[HEADER];
      expect(token).toMatch(/^v1\./);
      expect(await pending()).toBe(before + 1);
      expect(await fga.check(`user:${user}`, 'owner', `document:${doc}`)).toBe(true);
      // viewer is derived from owner: only OpenFGA knows. The token makes the guard flush up to it first.
      await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, token).expect(200);
      expect((await readAllTuples(storeId)).map(tupleId)).toContain(`user:${user} owner document:${doc}`);
    });

    it('records nothing when the handler throws', async () => {
      const [user, doc] = [unique('erin'), unique('d')];
      const before = await pending();
      const res = await http().post('/documents/conflict').set('x-user', user).send({ id: doc }).expect(409);
      expect(res.headers[HEADER]).toBeUndefined();
      expect(await pending()).toBe(before);
      expect(await fga.check(`user:${user}`, 'owner', `document:${doc}`)).toBe(false);
    });

    it('refuses before the handler runs when the request cannot be recorded', async () => {
      const before = await pending();
      await http()
        .post('/documents/conflict')
        .send({ id: unique('d') })
        .expect(401);
      await http().post('/documents/conflict').set('x-user', unique('erin')).send({}).expect(400);
      expect(await pending()).toBe(before);
    });

    it('answers 500 and records nothing when the result lacks the object', async () => {
      const before = await pending();
      const res = await http().post('/documents/without-id').set('x-user', unique('erin')).expect(500);
      expect(res.headers[HEADER]).toBeUndefined();
      expect(await pending()).toBe(before);
    });

    it('answers 500 and records nothing when the filled tuple is one the model forbids', async () => {
      const before = await pending();
      // document#viewer admits user, user:* and group#member: a plain group is refused in the call, not dead-lettered later.
      const res = await http()
        .post(`/documents/${unique('d')}/grantees`)
        .set('x-user', unique('hal'))
        .send({ user: 'group:eng' })
        .expect(500);
      expect(res.headers[HEADER]).toBeUndefined();
      expect(await pending()).toBe(before);
      await http()
        .post(`/documents/${unique('d')}/grantees`)
        .set('x-user', unique('hal'))
        .send({ user: 'group:eng#member' })
        .expect(201);
      expect(await pending()).toBe(before + 1);
    });

    it('shares and unshares through @Check + @Grant / @Revoke with a user template', async () => {
      const [owner, friend, doc] = [unique('fay'), unique('gus'), unique('d')];
      await fga.grant(`user:${owner}`, 'owner', `document:${doc}`);
      await http().put(`/documents/${doc}/viewers/${friend}`).set('x-user', friend).expect(403);
      const shared = await http().put(`/documents/${doc}/viewers/${friend}`).set('x-user', owner).expect(200);
      await http().get(`/documents/${doc}`).set('x-user', friend).set(HEADER, shared.headers[HEADER]).expect(200);
      const unshared = await http().delete(`/documents/${doc}/viewers/${friend}`).set('x-user', owner).expect(200);
      expect(unshared.headers[HEADER]).toMatch(/^v1\./);
      expect(tokenPosition(unshared.headers[HEADER])).toBeGreaterThan(tokenPosition(shared.headers[HEADER]));
      await http().get(`/documents/${doc}`).set('x-user', friend).set(HEADER, unshared.headers[HEADER]).expect(403);
      await http().get(`/documents/${doc}`).set('x-user', friend).expect(403);
    });

    it('records several tuples in the order written and returns the last token', async () => {
      const [doc, from, to] = [unique('d'), unique('f'), unique('f')];
      await fga.grant(`folder:${from}`, 'parent', `document:${doc}`);
      const res = await http().post(`/documents/${doc}/move`).set('x-user', unique('hal')).send({ from, to }).expect(200);
      const ops = (await fga.getPendingOperations()).filter((o) => o.object === `document:${doc}`);
      expect(ops.map((o) => [o.kind, o.user])).toEqual([
        ['revoke', `folder:${from}`],
        ['grant', `folder:${to}`],
      ]);
      expect(tokenPosition(res.headers[HEADER])).toBe(Math.max(...ops.map((o) => o.seq)));
    });
  });
});

describe.each(PLATFORMS)('the resolveUser option on %s', (platform) => {
  let app: INestApplication;
  let fga: OpenFgaService;

  beforeAll(async () => {
    const store = await freshStore(`http-user-${platform}`);
    const resolveUser = (req: { headers?: Record<string, string | string[] | undefined> }) => {
      const key = req.headers?.['x-api-key'];
      return typeof key === 'string' ? `user:key-${key}` : undefined;
    };
    app = await startApp(platform, testOptions(store, { resolveUser }), [DocumentsController]);
    fga = app.get(OpenFgaService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('decides who the user is for @Check and @Grant', async () => {
    await fga.grant('user:key-k1', 'viewer', 'document:r1');
    await request(app.getHttpServer()).get('/documents/r1').set('x-api-key', 'k1').expect(200);
    await request(app.getHttpServer()).get('/documents/r1').set('x-api-key', 'k2').expect(403);
    // The default (req.user.id) is not consulted any more.
    await request(app.getHttpServer()).get('/documents/r1').set('x-user', 'k1').expect(401);
    await request(app.getHttpServer()).post('/documents').set('x-api-key', 'k3').send({ id: 'r2' }).expect(201);
    expect(await fga.check('user:key-k3', 'owner', 'document:r2')).toBe(true);
  });
});

/*
 * The README's form, `resolveUser: (req) => \`user:${req.user.id}\``: an account id of "*" or "team#member" would make
 * the request's user a wildcard or a userset, and every @Grant of the request's user a grant to everyone.
 */
const ONE_USER = 'The request user is not one OpenFGA user: expected "type:id" with no wildcard "*", userset "#" or ":" in the id';

describe.each(PLATFORMS)('a request user that is not one user, on %s', (platform) => {
  let app: INestApplication;
  let defaults: INestApplication;
  let fga: OpenFgaService;

  beforeAll(async () => {
    const store = await freshStore(`http-wildcard-${platform}`);
    const resolveUser = (req: OpenFgaRequest) => {
      const id = (req.user as { id?: string } | undefined)?.id;
      return id === undefined ? undefined : `user:${id}`;
    };
    app = await startApp(platform, testOptions(store, { resolveUser }), [DocumentsController]);
    defaults = await startApp(platform, testOptions(store), [DocumentsController]);
    fga = app.get(OpenFgaService);
  });

  afterAll(async () => {
    await app?.close();
    await defaults?.close();
  });

  it.each([
    ['a wildcard', '*'],
    ['a userset', 'team#member'],
  ])('%s from resolveUser is refused with 401 before anything is granted or checked', async (_what, id) => {
    const before = (await fga.status()).pending.total;
    const res = await request(app.getHttpServer())
      .post('/documents')
      .set('x-user', id)
      .send({ id: `w-${platform}` })
      .expect(401);
    expect(res.body.message).toBe(ONE_USER);
    expect((await fga.status()).pending.total).toBe(before);
    expect(await fga.check('user:bob', 'owner', `document:w-${platform}`)).toBe(false);
    await fga.grant('user:*', 'viewer', `document:pub-${platform}`);
    await request(app.getHttpServer()).get(`/documents/pub-${platform}`).set('x-user', id).expect(401);
    await request(app.getHttpServer()).get(`/documents/pub-${platform}`).set('x-user', 'anne').expect(200);
  });

  it('the default user:{user.id}, and a malformed resolveUser result, answer the same 401', async () => {
    await request(app.getHttpServer())
      .post('/documents')
      .set('x-user', 'a:b')
      .send({ id: `m-${platform}` })
      .expect(401);
    for (const id of ['*', 'team#member', 'a:b', 'a b']) {
      const res = await request(defaults.getHttpServer())
        .post('/documents')
        .set('x-user', id)
        .send({ id: `d-${platform}` })
        .expect(401);
      expect(res.body.message).toBe(ONE_USER);
    }
  });
});

/** A guard subclass with its own way of finding the user, registered globally. */
@Injectable()
class ApiKeyGuard extends OpenFgaGuard {
  protected override getUser(request: OpenFgaRequest): Promise<string | undefined> {
    const key = request.headers?.['x-api-key'];
    return Promise.resolve(typeof key === 'string' ? `user:key-${key}` : undefined);
  }
}

describe.each(PLATFORMS)('a guard subclass registered globally on %s', (platform) => {
  let app: INestApplication;

  beforeAll(async () => {
    const store = await freshStore(`http-subclass-${platform}`);
    app = await startApp(platform, testOptions(store), [DocumentsController], [{ provide: APP_GUARD, useClass: ApiKeyGuard }]);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('decides instead of the guard @Check adds', async () => {
    const fga = app.get(OpenFgaService);
    await fga.grant('user:key-k1', 'viewer', 'document:s1');
    const spy = jest.spyOn(fga, 'check');
    try {
      await request(app.getHttpServer()).get('/documents/s1').set('x-api-key', 'k1').expect(200);
      expect(spy).toHaveBeenCalledTimes(1);
      await request(app.getHttpServer()).get('/documents/s1').set('x-api-key', 'k2').expect(403);
      // req.user is what the base guard would use; the subclass does not look at it.
      await request(app.getHttpServer()).get('/documents/s1').set('x-user', 'key-k1').expect(401);
    } finally {
      spy.mockRestore();
    }
  });
});
