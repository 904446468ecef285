/**
 * The example app as a model for testing an app built on nestjs-openfga: the
 * whole AppModule, real JWT login and guards, with OpenFgaModule swapped for
 * OpenFgaTestingModule (an in-memory fake that evaluates the app's model). No
 * Redis and no OpenFGA are used by this suite.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { transformer } from '@openfga/syntax-transformer';
import request from 'supertest';
import { configureApp } from '../../example-app/src/app.factory';
import { AppModule, OpenFgaConfiguredModule } from '../../example-app/src/app.module';
import { exampleConfig, EXAMPLE_MODEL_FILE, ExampleAppConfig } from '../../example-app/src/config';
import { OpenFgaService } from '../../src';
import { FakeAuthorizationModel, OpenFgaFake, OpenFgaTestingModule } from '../../src/testing';

const DEMO_PASSWORD = `pw-${randomUUID()}`;
const ADMIN_TOKEN = `admin-${randomUUID()}`;

/** Only what the app itself reads; OpenFGA and Redis addresses are never used with the fake. */
const config: ExampleAppConfig = {
  apiUrl: 'http://127.0.0.1:1',
  storeId: '01HZZZZZZZZZZZZZZZZZZZZZZZ',
  redisUrl: 'redis://127.0.0.1:1',
  prefix: 'unused',
  adminToken: ADMIN_TOKEN,
  flushInterval: 300,
  demoPassword: DEMO_PASSWORD,
};

const model = transformer.transformDSLToJSONObject(readFileSync(EXAMPLE_MODEL_FILE, 'utf8')) as FakeAuthorizationModel;

describe('example app with OpenFgaTestingModule in place of OpenFgaModule', () => {
  let app: INestApplication;
  let fake: OpenFgaFake;
  const http = () => request(app.getHttpServer());
  const login = async (username: string) =>
    `Bearer ${((await http().post('/auth/login').send({ username, password: DEMO_PASSWORD }).expect(200)).body as { accessToken: string }).accessToken}`;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
      .overrideProvider(exampleConfig.KEY)
      .useValue(config)
      // The dynamic module AppModule imports (a constant), not the OpenFgaModule class: see app.module.ts.
      .overrideModule(OpenFgaConfiguredModule)
      .useModule(OpenFgaTestingModule.forRoot({ model }))
      .compile();
    app = configureApp(moduleRef.createNestApplication({ logger: false }));
    await app.init();
    fake = app.get(OpenFgaFake);
  });

  afterAll(async () => {
    await app?.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  it('serves the app from the fake: OpenFgaService is the fake', () => {
    expect(app.get(OpenFgaService)).toBe(fake);
  });

  it('records the grants of the routes for the JWT user ({user.id} from the token subject), and checks against the model', async () => {
    const anne = await login('anne');
    const folder = (
      (await http().post('/folders').set('authorization', anne).send({ name: 'Projects' }).expect(201)).body as { id: string }
    ).id;
    const doc = (
      (await http().post(`/folders/${folder}/documents`).set('authorization', anne).send({ title: 'Roadmap' }).expect(201)).body as {
        id: string;
      }
    ).id;
    expect(fake.operations.map((o) => [o.kind, o.user, o.relation, o.object])).toEqual([
      ['grant', 'user:anne', 'owner', `folder:${folder}`],
      ['grant', 'user:anne', 'owner', `document:${doc}`],
      ['grant', `folder:${folder}`, 'parent', `document:${doc}`],
    ]);
    // viewer ⇐ owner, evaluated by the fake over the pending grants.
    await http().get(`/documents/${doc}`).set('authorization', anne).expect(200);
    const bob = await login('bob');
    await http().get(`/documents/${doc}`).set('authorization', bob).expect(403);
    await http().put(`/folders/${folder}/viewers/bob`).set('authorization', anne).expect(200);
    // viewer of the folder ⇒ viewer of its documents (parent), as in OpenFGA.
    await http().get(`/documents/${doc}`).set('authorization', bob).expect(200);
  });

  it('lists my documents and batch-checks access; a time-limited share holds for its duration (the fake evaluates the condition with the request time)', async () => {
    const anne = await login('anne');
    const erin = await login('erin');
    const folder = ((await http().post('/folders').set('authorization', anne).send({ name: 'P' }).expect(201)).body as { id: string }).id;
    const create = async () =>
      (
        (await http().post(`/folders/${folder}/documents`).set('authorization', anne).send({ title: 'Roadmap' }).expect(201)).body as {
          id: string;
        }
      ).id;
    const [shared, temporary] = [await create(), await create()];

    await http().put(`/documents/${shared}/viewers/erin`).set('authorization', anne).expect(200);
    expect((await http().get('/documents').set('authorization', erin).expect(200)).body).toEqual([{ id: shared, title: 'Roadmap' }]);
    const access = await http()
      .post('/documents/access')
      .set('authorization', anne)
      .send({ ids: [shared, temporary] })
      .expect(200);
    expect(access.body).toEqual({
      [shared]: { viewer: true, editor: true, owner: true },
      [temporary]: { viewer: true, editor: true, owner: true },
    });

    // The share is validated against the model's condition and recorded with it...
    await http().put(`/documents/${temporary}/viewers/erin/temporary`).set('authorization', anne).send({ seconds: 3600 }).expect(200);
    expect(fake.operations.at(-1)).toMatchObject({
      kind: 'grant',
      user: 'user:erin',
      relation: 'viewer',
      object: `document:${temporary}`,
      condition: { name: 'non_expired_grant', context: { grant_duration: '3600s' } },
    });
    await http().put(`/documents/${temporary}/viewers/erin/temporary`).set('authorization', anne).send({ seconds: 0 }).expect(400);
    // The fake evaluates the condition with the check's request time, as OpenFGA does: erin may view it for the hour.
    await http().get(`/documents/${temporary}`).set('authorization', erin).expect(200);
    const erinAccess = await http()
      .post('/documents/access')
      .set('authorization', erin)
      .send({ ids: [shared, temporary] })
      .expect(200);
    expect(erinAccess.body).toEqual({
      [shared]: { viewer: true, editor: false, owner: false },
      [temporary]: { viewer: true, editor: false, owner: false },
    });
    const listed = (await http().get('/documents').set('authorization', erin).expect(200)).body as { id: string }[];
    expect(listed.map((d) => d.id).sort()).toEqual([shared, temporary].sort());
    // Another user's conditional share is not evaluated for anne's check (OpenFGA never reaches it either).
    await http().get(`/documents/${temporary}`).set('authorization', anne).expect(200);
    // A share of one second has expired a moment later.
    const carol = await login('carol');
    await http().put(`/documents/${temporary}/viewers/carol/temporary`).set('authorization', anne).send({ seconds: 1 }).expect(200);
    await http().get(`/documents/${temporary}`).set('authorization', carol).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await http().get(`/documents/${temporary}`).set('authorization', carol).expect(403);
    await http().delete(`/documents/${temporary}/viewers/erin`).set('authorization', anne).expect(200);
    await http().get(`/documents/${temporary}`).set('authorization', erin).expect(403);
  });

  it('seeds answers directly, and fails closed (403) when the fake simulates an outage', async () => {
    const carol = await login('carol');
    fake.allow('user:carol', 'viewer', 'folder:seeded');
    // The folder itself is not in the app's in-memory store: the check passed, the handler answers 404.
    await http().get('/folders/seeded').set('authorization', carol).expect(404);
    fake.simulateUnavailable();
    await http().get('/folders/seeded').set('authorization', carol).expect(403);
    fake.simulateUnavailable(false);
  });

  it('still authenticates: no token, a wrong password or a foreign token is 401', async () => {
    await http().get('/documents/any').expect(401);
    await http().post('/auth/login').send({ username: 'anne', password: 'wrong' }).expect(401);
    await http().get('/documents/any').set('authorization', 'Bearer not.a.jwt').expect(401);
  });

  it('serves the admin routes from the fake', async () => {
    await http()
      .post('/folders')
      .set('authorization', await login('dave'))
      .send({ name: 'x' })
      .expect(201);
    const status = await http().get('/admin/openfga/status').set('x-admin-token', ADMIN_TOKEN).expect(200);
    expect(status.body).toMatchObject({ pending: { writes: 1, total: 1 } });
  });
});
