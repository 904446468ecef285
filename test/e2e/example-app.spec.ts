/**
 * The example app (example-app/) over HTTP, against the real Redis and
 * OpenFGA the global setup started: JWT login, queue mode with the worker in
 * the app, the admin routes, the cron flush and the app's CLI. Nothing is mocked.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import type { ExampleAppConfig } from '../../example-app/src/config';
import { runExampleCli } from '../../example-app/src/demo/run-example-cli';
import { OpenFgaService } from '../../src';
import type { BufferedOperation, FlushResult, OpenFgaStatus } from '../../src';
import { directCheck, readAllTuples, tupleId } from '../support/state/fga-state';
import { eventually } from '../support/state/flush-queue-state';
import type { TestStore } from '../support/harness/store';
import { ADMIN_TOKEN, DEMO_PASSWORD, Entity, exampleConfig, exampleStore, loginAll, startExampleApp } from './support/example-app';
import { tokenPosition } from './support/http-app';

const TOKEN = 'x-consistency-token';

describe('example app over HTTP (queue mode, real Redis + OpenFGA)', () => {
  let store: TestStore;
  let config: ExampleAppConfig;
  let app: INestApplication;
  let auth: (user: string) => { authorization: string };

  const http = () => request(app.getHttpServer());
  const admin = (method: 'get' | 'post', path: string) => http()[method](`/admin/openfga${path}`).set('x-admin-token', ADMIN_TOKEN);
  const status = async (): Promise<OpenFgaStatus> => (await admin('get', '/status').expect(200)).body as OpenFgaStatus;
  const pendingOps = async (): Promise<BufferedOperation[]> => (await admin('get', '/pending').expect(200)).body as BufferedOperation[];
  const inOpenFga = (user: string, relation: string, object: string) => directCheck(store.storeId, { user, relation, object });
  /** Flushes through the admin route and waits until the in-app worker has written everything. */
  const flushAndSettle = async (): Promise<FlushResult> => {
    const result = (await admin('post', '/flush').expect(200)).body as FlushResult;
    await eventually('the worker settled the buffer', async () => {
      const s = await status();
      return s.pending.total === 0 && s.inFlight === 0;
    });
    return result;
  };

  const createFolder = async (owner: string): Promise<string> =>
    ((await http().post('/folders').set(auth(owner)).send({ name: 'Projects' }).expect(201)).body as Entity).id;
  const createDocument = async (owner: string, folder: string): Promise<{ id: string; token: string }> => {
    const res = await http().post(`/folders/${folder}/documents`).set(auth(owner)).send({ title: 'Roadmap' }).expect(201);
    return { id: (res.body as Entity).id, token: res.headers[TOKEN] };
  };

  beforeAll(async () => {
    store = await exampleStore('example-app');
    config = exampleConfig(store);
    app = await startExampleApp(config);
    auth = await loginAll(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(async () => {
    // Every test starts with an empty buffer, so counts are exact.
    await flushAndSettle();
  });

  it('lets the owner read a document she just created before any flush, and denies others', async () => {
    const folder = await createFolder('anne');
    const doc = await createDocument('anne', folder);
    expect(doc.token).toMatch(/^v1\./);

    // Nothing reached OpenFGA yet: the grants are in Redis only.
    expect(await inOpenFga('user:anne', 'owner', `document:${doc.id}`)).toBe(false);
    const pending = (await pendingOps()).map((o) => [o.kind, o.user, o.relation, o.object]);
    expect(pending).toEqual([
      ['grant', 'user:anne', 'owner', `folder:${folder}`],
      ['grant', 'user:anne', 'owner', `document:${doc.id}`],
      ['grant', `folder:${folder}`, 'parent', `document:${doc.id}`],
    ]);

    // viewer is derived from owner: answered from the pending grants, before any flush.
    await http()
      .get(`/documents/${doc.id}`)
      .set(auth('anne'))
      .expect(200)
      .expect((res) => expect(res.body).toMatchObject({ id: doc.id, title: 'Roadmap', folderId: folder, createdBy: 'anne' }));
    await http().get(`/folders/${folder}`).set(auth('anne')).expect(200);
    await http().get(`/documents/${doc.id}`).set(auth('bob')).expect(403);
    await http().get(`/folders/${folder}`).set(auth('bob')).expect(403);
    await http().patch(`/documents/${doc.id}`).set(auth('bob')).send({ content: 'hacked' }).expect(403);
  });

  it('shows pending grants in the status; an admin flush hands them to the worker, which writes them to OpenFGA', async () => {
    const folder = await createFolder('anne');
    const doc = await createDocument('anne', folder);
    expect(await status()).toMatchObject({ pending: { writes: 3, deletes: 0, total: 3 }, inFlight: 0, deadLettered: 0 });

    const result = await flushAndSettle();
    expect(result).toMatchObject({ queued: 3, jobs: 1, failed: 0 });
    const after = await status();
    expect(after).toMatchObject({
      pending: { total: 0 },
      inFlight: 0,
      deadLettered: 0,
      lastFlush: expect.objectContaining({ outcome: 'settled' }),
    });
    expect(after.queue).toMatchObject({ failed: 0, active: 0, waiting: 0 });

    // OpenFGA itself now knows, derived relations included.
    expect(await inOpenFga('user:anne', 'viewer', `document:${doc.id}`)).toBe(true);
    expect((await readAllTuples(store.storeId)).map(tupleId)).toEqual(
      expect.arrayContaining([
        `user:anne owner folder:${folder}`,
        `user:anne owner document:${doc.id}`,
        `folder:${folder} parent document:${doc.id}`,
      ]),
    );
    await http().get(`/documents/${doc.id}`).set(auth('anne')).expect(200);
    await http().get(`/documents/${doc.id}`).set(auth('bob')).expect(403);
  });

  it('lets a viewer the owner shared with read at once, and denies her again right after the revoke', async () => {
    const folder = await createFolder('anne');
    const { id } = await createDocument('anne', folder);
    await flushAndSettle();
    await http().get(`/documents/${id}`).set(auth('bob')).expect(403); // also caches bob's "no"

    const shared = await http().put(`/documents/${id}/viewers/bob`).set(auth('anne')).expect(200);
    expect(shared.body).toEqual({ document: id, viewer: 'bob', shared: true });
    await http().get(`/documents/${id}`).set(auth('bob')).expect(200);
    expect(await status()).toMatchObject({ pending: { writes: 1, deletes: 0 } }); // no flush happened

    const revoked = await http().delete(`/documents/${id}/viewers/bob`).set(auth('anne')).expect(200);
    expect(tokenPosition(revoked.headers[TOKEN])).toBeGreaterThan(tokenPosition(shared.headers[TOKEN]));
    await http().get(`/documents/${id}`).set(auth('bob')).expect(403);
    await http().get(`/documents/${id}`).set(auth('bob')).set(TOKEN, revoked.headers[TOKEN]).expect(403);

    await flushAndSettle();
    expect(await inOpenFga('user:bob', 'viewer', `document:${id}`)).toBe(false);
    await http().get(`/documents/${id}`).set(auth('bob')).expect(403);
  });

  it('answers derived relations (folder viewer → document, editor → viewer) with the X-Consistency-Token', async () => {
    const folder = await createFolder('anne');
    const { id } = await createDocument('anne', folder);
    await flushAndSettle();

    const folderShare = await http().put(`/folders/${folder}/viewers/carol`).set(auth('anne')).expect(200);
    const token = folderShare.headers[TOKEN];
    expect(token).toMatch(/^v1\./);
    // viewer of the document ⇐ viewer of its parent folder: only OpenFGA can tell. The token makes the
    // guard flush up to it (through the queue worker) and ask OpenFGA with higher consistency.
    await http().get(`/documents/${id}`).set(auth('carol')).set(TOKEN, token).expect(200);
    expect(await inOpenFga('user:carol', 'viewer', `folder:${folder}`)).toBe(true);
    expect((await status()).pending.total).toBe(0);
    await http().patch(`/documents/${id}`).set(auth('carol')).send({ content: 'edit' }).expect(403);

    const editor = await http().put(`/documents/${id}/editors/dave`).set(auth('anne')).expect(200);
    await http().get(`/documents/${id}`).set(auth('dave')).set(TOKEN, editor.headers[TOKEN]).expect(200);
    await http()
      .patch(`/documents/${id}`)
      .set(auth('dave'))
      .send({ content: 'v2' })
      .expect(200)
      .expect((res) => expect(res.body).toMatchObject({ id, content: 'v2' }));

    const unshared = await http().delete(`/folders/${folder}/viewers/carol`).set(auth('anne')).expect(200);
    await http().get(`/documents/${id}`).set(auth('carol')).set(TOKEN, unshared.headers[TOKEN]).expect(403);
  });

  it('never serves a stale "allowed" for a derived relation while a revoke is pending, even without the token', async () => {
    const folder = await createFolder('anne');
    const { id } = await createDocument('anne', folder);
    await http().put(`/folders/${folder}/viewers/carol`).set(auth('anne')).expect(200);
    await http().put(`/documents/${id}/editors/dave`).set(auth('anne')).expect(200);
    await flushAndSettle();
    // Allowed through OpenFGA (and cached).
    await http().get(`/documents/${id}`).set(auth('carol')).expect(200);
    await http().get(`/documents/${id}`).set(auth('dave')).expect(200);

    await http().delete(`/folders/${folder}/viewers/carol`).set(auth('anne')).expect(200);
    await http().delete(`/documents/${id}/editors/dave`).set(auth('anne')).expect(200);
    await http().get(`/documents/${id}`).set(auth('carol')).expect(403);
    await http().get(`/documents/${id}`).set(auth('dave')).expect(403);
    await http().get(`/documents/${id}`).set(auth('anne')).expect(200);
  });

  it('refuses a share by a non-owner (403) and records nothing', async () => {
    const folder = await createFolder('anne');
    const { id } = await createDocument('anne', folder);
    await http().put(`/documents/${id}/viewers/bob`).set(auth('anne')).expect(200);
    await http().put(`/documents/${id}/editors/erin`).set(auth('anne')).expect(200);
    const before = await pendingOps();

    // A viewer, an editor and a stranger may not share the document or its folder.
    for (const user of ['bob', 'erin', 'mallory']) {
      const res = await http().put(`/documents/${id}/viewers/dave`).set(auth(user)).expect(403);
      expect(res.headers[TOKEN]).toBeUndefined();
      await http().delete(`/documents/${id}/viewers/bob`).set(auth(user)).expect(403);
      await http().put(`/folders/${folder}/viewers/dave`).set(auth(user)).expect(403);
    }
    expect(await pendingOps()).toEqual(before);
    await http().get(`/documents/${id}`).set(auth('dave')).expect(403);
    await http().get(`/documents/${id}`).set(auth('bob')).expect(200);
  });

  it('records nothing when the handler throws', async () => {
    const folder = await createFolder('anne');
    const before = await pendingOps();

    // The check passes (anne owns the folder), then the handler rejects the body: no document, no tuples.
    const bad = await http().post(`/folders/${folder}/documents`).set(auth('anne')).send({ title: '' }).expect(400);
    expect(bad.headers[TOKEN]).toBeUndefined();
    // Same for a folder without a name: @Grant('owner', 'folder:{result.id}') has no result to record.
    await http().post('/folders').set(auth('anne')).send({}).expect(400);

    expect(await pendingOps()).toEqual(before);
    expect((await http().get(`/folders/${folder}`).set(auth('anne')).expect(200)).body).toMatchObject({ documents: [] });
  });

  it('answers 401 without a user, and guards the admin routes with the admin token', async () => {
    await http().post('/folders').send({ name: 'x' }).expect(401);
    await http().get(`/documents/${randomUUID()}`).expect(401);
    await http().get('/admin/openfga/status').expect(401);
    await http().get('/admin/openfga/status').set('x-admin-token', 'wrong-token').expect(401);
    await http().post('/admin/openfga/flush').expect(401);
    // An id that cannot stand in a tuple is refused, never checked.
    await http().get('/documents/a%23owner').set(auth('anne')).expect(400);
    // A token the app signed for an id that is not one OpenFGA user (a userset, a wildcard): refused (401), never checked.
    for (const sub of ['a#b', '*']) {
      const odd = await app.get(JwtService).signAsync({ sub });
      await http().get(`/documents/${randomUUID()}`).set('authorization', `Bearer ${odd}`).expect(401);
      await http().post('/folders').set('authorization', `Bearer ${odd}`).send({ name: 'everyone' }).expect(401);
    }
  });

  it('logs demo users in with a JWT whose subject is the OpenFGA user, and refuses bad credentials and foreign tokens (401)', async () => {
    const res = await http().post('/auth/login').send({ username: 'anne', password: DEMO_PASSWORD }).expect(200);
    const token = (res.body as { accessToken: string }).accessToken;
    const [header, claims] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'RS256' });
    expect(claims).toMatchObject({ sub: 'anne', iss: 'nestjs-openfga-example' });
    // The route's @Grant('owner', 'folder:{result.id}') acted as user:<sub>.
    const folder = (
      (await http().post('/folders').set('authorization', `Bearer ${token}`).send({ name: 'Mine' }).expect(201)).body as Entity
    ).id;
    expect((await pendingOps()).map((o) => `${o.user} ${o.relation} ${o.object}`)).toContain(`user:anne owner folder:${folder}`);

    await http().post('/auth/login').send({ username: 'anne', password: 'wrong' }).expect(401);
    await http().post('/auth/login').send({ username: 'zoe', password: DEMO_PASSWORD }).expect(401);
    await http().post('/auth/login').send({}).expect(401);
    // Signed with another key, or expired: not accepted, whatever it claims.
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwt = app.get(JwtService);
    const forged = await jwt.signAsync({ sub: 'anne' }, { privateKey: other, algorithm: 'RS256', issuer: 'nestjs-openfga-example' });
    await http().get(`/folders/${folder}`).set('authorization', `Bearer ${forged}`).expect(401);
    const expired = await jwt.signAsync({ sub: 'anne' }, { expiresIn: -60 });
    await http().get(`/folders/${folder}`).set('authorization', `Bearer ${expired}`).expect(401);
    await http().get(`/folders/${folder}`).set('authorization', `Bearer ${token}`).expect(200);
  });

  it('lists my documents: a share of a moment ago (still buffered) is in, one revoked a moment ago is not', async () => {
    const folder = await createFolder('anne');
    const roadmap = await createDocument('anne', folder);
    const { id: budget } = await createDocument('anne', folder);
    await flushAndSettle();
    // Other tests share documents with bob in this app too: only this test's two documents are looked at.
    const mine = async (user: string) =>
      ((await http().get('/documents').set(auth(user)).expect(200)).body as { id: string; title: string }[]).filter(
        (d) => d.id === roadmap.id || d.id === budget,
      );
    expect(await mine('bob')).toEqual([]);
    expect(await mine('anne')).toHaveLength(2);

    await http().put(`/documents/${roadmap.id}/viewers/bob`).set(auth('anne')).expect(200);
    expect(await mine('bob')).toEqual([{ id: roadmap.id, title: 'Roadmap' }]);
    expect(await inOpenFga('user:bob', 'viewer', `document:${roadmap.id}`)).toBe(false); // listed from the buffer

    // A folder share reaches both documents (viewer from parent), also before any flush.
    await http().put(`/folders/${folder}/viewers/bob`).set(auth('anne')).expect(200);
    expect((await mine('bob')).map((d) => d.id).sort()).toEqual([roadmap.id, budget].sort());
    await flushAndSettle();

    await http().delete(`/documents/${roadmap.id}/viewers/bob`).set(auth('anne')).expect(200);
    await http().delete(`/folders/${folder}/viewers/bob`).set(auth('anne')).expect(200);
    expect(await mine('bob')).toEqual([]);
    expect(await inOpenFga('user:bob', 'viewer', `document:${roadmap.id}`)).toBe(false);
    await http().get('/documents').expect(401);
  });

  it('shares a document for a limited time (OpenFGA condition): allowed at once, also once written, denied once expired', async () => {
    const folder = await createFolder('anne');
    const { id } = await createDocument('anne', folder);
    await flushAndSettle();

    const hour = await http().put(`/documents/${id}/viewers/bob/temporary`).set(auth('anne')).send({ seconds: 3600 }).expect(200);
    expect(hour.body).toMatchObject({ document: id, viewer: 'bob', shared: true, expiresAt: expect.any(String) });
    expect(hour.headers[TOKEN]).toMatch(/^v1\./);
    expect((await pendingOps()).map((o) => [o.kind, o.user, o.relation, o.object, o.condition?.name])).toEqual([
      ['grant', 'user:bob', 'viewer', `document:${id}`, 'non_expired_grant'],
    ]);
    await http().get(`/documents/${id}`).set(auth('bob')).expect(200); // pending: a contextual tuple with its condition
    await flushAndSettle();
    // Written with its condition: OpenFGA evaluates it against the request's current_time.
    const stored = await app.get(OpenFgaService).read({ user: 'user:bob', relation: 'viewer', object: `document:${id}` });
    expect(stored.tuples.map((t) => t.condition?.name)).toEqual(['non_expired_grant']);
    await http().get(`/documents/${id}`).set(auth('bob')).expect(200);
    expect((await http().get('/documents').set(auth('bob')).expect(200)).body).toContainEqual({ id, title: 'Roadmap' });

    const short = await http().put(`/documents/${id}/viewers/carol/temporary`).set(auth('anne')).send({ seconds: 2 }).expect(200);
    await http().get(`/documents/${id}`).set(auth('carol')).expect(200);
    const expiresAt = Date.parse((short.body as { expiresAt: string }).expiresAt);
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 500));
    await http().get(`/documents/${id}`).set(auth('carol')).expect(403); // still pending: the contextual tuple's condition no longer holds
    expect((await http().get('/documents').set(auth('carol')).expect(200)).body).not.toContainEqual(expect.objectContaining({ id }));
    await flushAndSettle();
    await http().get(`/documents/${id}`).set(auth('carol')).expect(403); // written: OpenFGA's own evaluation
    await http().get(`/documents/${id}`).set(auth('bob')).expect(200);

    // Owner-only, and the duration is validated: nothing recorded either way.
    const before = await pendingOps();
    await http().put(`/documents/${id}/viewers/dave/temporary`).set(auth('bob')).send({ seconds: 60 }).expect(403);
    for (const body of [{}, { seconds: 0 }, { seconds: 1.5 }, { seconds: '60' }, { seconds: 86_401 }]) {
      const res = await http().put(`/documents/${id}/viewers/dave/temporary`).set(auth('anne')).send(body).expect(400);
      expect((res.body as { message: string }).message).toMatch(/"seconds" must be an integer from 1 to 86400/);
    }
    await http().put(`/documents/${id}/viewers/da%23ve/temporary`).set(auth('anne')).send({ seconds: 60 }).expect(400);
    expect(await pendingOps()).toEqual(before);
  });

  it('answers viewer/editor/owner for many documents in one batch check; an unknown one reads all false', async () => {
    const folder = await createFolder('anne');
    const { id: shared } = await createDocument('anne', folder);
    const { id: edited } = await createDocument('anne', folder);
    await flushAndSettle();
    await http().put(`/documents/${shared}/viewers/bob/temporary`).set(auth('anne')).send({ seconds: 600 }).expect(200);
    await http().put(`/documents/${edited}/editors/bob`).set(auth('anne')).expect(200);
    const unknown = randomUUID();

    const res = await http()
      .post('/documents/access')
      .set(auth('bob'))
      .send({ ids: [shared, edited, unknown, shared] })
      .expect(200);
    expect(res.body).toEqual({
      [shared]: { viewer: true, editor: false, owner: false },
      [edited]: { viewer: true, editor: true, owner: false },
      [unknown]: { viewer: false, editor: false, owner: false },
    });
    expect(
      (
        await http()
          .post('/documents/access')
          .set(auth('anne'))
          .send({ ids: [shared] })
          .expect(200)
      ).body,
    ).toEqual({
      [shared]: { viewer: true, editor: true, owner: true },
    });

    for (const body of [{}, { ids: [] }, { ids: 'x' }, { ids: Array.from({ length: 51 }, () => randomUUID()) }]) {
      const bad = await http().post('/documents/access').set(auth('bob')).send(body).expect(400);
      expect((bad.body as { message: string }).message).toMatch(/"ids" must be an array of 1 to 50 ids/);
    }
    const bad = await http()
      .post('/documents/access')
      .set(auth('bob'))
      .send({ ids: [shared, 'a:b'] })
      .expect(400);
    expect((bad.body as { message: string }).message).toMatch(/"ids\[1\]" must be an id/);
    await http()
      .post('/documents/access')
      .send({ ids: [shared] })
      .expect(401);
  });

  it('reports health through terminus', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { openfga: { status: 'up', redis: 'up', openfga: 'up' } } });
  });

  it("operates the same buffer from the app's CLI (status, then an inline flush)", async () => {
    const folder = await createFolder('frank');
    const statusRun = await runExampleCli(['openfga:cache:status', '--json'], config);
    expect(statusRun.code).toBe(0);
    expect(JSON.parse(statusRun.stdout)).toMatchObject({ pending: { writes: 1, total: 1 } });

    const flushRun = await runExampleCli(['openfga:cache:flush'], config);
    expect(flushRun.code).toBe(0);
    expect(flushRun.stdout).toMatch(/Flushed in .*1 write/);
    expect(await inOpenFga('user:frank', 'owner', `folder:${folder}`)).toBe(true);
    expect((await status()).pending.total).toBe(0);
  });
});

describe('example app: the cron flush', () => {
  it('writes pending grants to OpenFGA by itself (through the queue worker)', async () => {
    const store = await exampleStore('example-app-cron');
    const app = await startExampleApp(exampleConfig(store, { cron: '* * * * * *' }));
    try {
      const auth = await loginAll(app);
      const res = await request(app.getHttpServer()).post('/folders').set(auth('gina')).send({ name: 'Cron' }).expect(201);
      const folder = (res.body as Entity).id;
      await eventually(
        'the cron flush wrote the grant',
        () => directCheck(store.storeId, { user: 'user:gina', relation: 'owner', object: `folder:${folder}` }),
        5_000,
        100,
      );
      const status = (await request(app.getHttpServer()).get('/admin/openfga/status').set('x-admin-token', ADMIN_TOKEN).expect(200))
        .body as OpenFgaStatus;
      expect(status.pending.total).toBe(0);
    } finally {
      await app.close();
    }
  });
});
