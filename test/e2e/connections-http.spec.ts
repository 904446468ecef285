/**
 * The HTTP layer on named connections, on Express and Fastify, against the real
 * Redis and OpenFGA: two stores with different models in one app (documents on
 * the default connection, invoices on `billing`), an app with only a named
 * connection, and start-up refusals of decorators naming the wrong connection or model.
 */
import { join } from 'node:path';
import { Body, Controller, Delete, Get, INestApplication, Module, Param, Post, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  getOpenFgaServiceToken,
  InvalidConsistencyTokenError,
  InvalidDecoratorError,
  OpenFgaModule,
  OpenFgaRequest,
  OpenFgaService,
  UnknownConnectionError,
} from '../../src';
import { Check, CheckMode, Grant, Revoke } from '../../src/http';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { createStore, TestStore } from '../support/harness/store';
import { DocumentsController } from './support/controllers';
import { PLATFORMS, startAppWith } from './support/http-app';

const BILLING_MODEL = join(__dirname, 'support', 'billing.fga');
const HEADER = 'x-consistency-token';

/** billing's users are its own accounts: `X-User: anne` is `user:b-anne` there (its `resolveUser`), `user:anne` on the default. */
const billingUser = (request: OpenFgaRequest) => {
  const id = (request.user as { id?: string } | undefined)?.id;
  return id ? `user:b-${id}` : undefined;
};

@Controller('invoices')
class InvoicesController {
  @Get(':id')
  @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
  read(@Param('id') id: string) {
    return { id };
  }

  @Post()
  @Grant('payer', 'invoice:{result.id}', { connection: 'billing' })
  create(@Body() body: { id: string }) {
    return { id: body.id };
  }

  @Delete(':id/payer')
  @Revoke('payer', 'invoice:{params.id}', { connection: 'billing' })
  leave() {}
}

/** Checks and grants on both connections in one request. */
@Controller('mixed')
class MixedController {
  @Get(':id/either')
  @CheckMode('any')
  @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
  @Check('viewer', 'document:{query.doc}')
  either(@Param('id') id: string) {
    return { id };
  }

  @Get(':id/both')
  @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
  @Check('viewer', 'document:{query.doc}')
  both(@Param('id') id: string) {
    return { id };
  }

  /** billing's grant first, the default's last: the header carries the default's token. */
  @Post(':id')
  @Grant('payer', 'invoice:{params.id}', { connection: 'billing' })
  @Grant('owner', 'document:{body.doc}')
  create(@Param('id') id: string) {
    return { id };
  }
}

async function billingStore(): Promise<TestStore> {
  return createStore(serverEnv().apiUrl, `http-billing-${Date.now()}`, BILLING_MODEL);
}

describe.each(PLATFORMS)('two connections, two stores, one app on %s', (platform) => {
  let app: INestApplication;
  let docs: OpenFgaService;
  let billing: OpenFgaService;
  let n = 0;
  const unique = (what: string) => `${what}${++n}`;
  const http = () => request(app.getHttpServer());
  const pending = async (fga: OpenFgaService) => (await fga.status()).pending.total;

  beforeAll(async () => {
    const [docStore, invoiceStore] = await Promise.all([freshStore(`http-docs-${platform}`), billingStore()]);
    app = await startAppWith(
      platform,
      [
        OpenFgaModule.forRoot(testOptions(docStore)),
        OpenFgaModule.forRoot({ name: 'billing', ...testOptions(invoiceStore), resolveUser: billingUser }),
      ],
      [DocumentsController, InvoicesController, MixedController],
    );
    docs = app.get(OpenFgaService);
    billing = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
  });

  afterAll(async () => {
    await app?.close();
  });

  it("a @Check on billing is answered by billing's service, with billing's resolveUser", async () => {
    const [user, invoice] = [unique('anne'), unique('i')];
    await billing.grant(`user:b-${user}`, 'payer', `invoice:${invoice}`);
    const asked = { docs: jest.spyOn(docs, 'check'), billing: jest.spyOn(billing, 'check') };
    try {
      await http().get(`/invoices/${invoice}`).set('x-user', user).expect(200, { id: invoice });
      expect(asked.billing).toHaveBeenCalledWith(`user:b-${user}`, 'viewer', `invoice:${invoice}`, {});
      expect(asked.docs).not.toHaveBeenCalled();
      await http().get(`/invoices/${invoice}`).set('x-user', unique('bob')).expect(403);
      await http().get(`/invoices/${invoice}`).expect(401);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it("answers from billing's OpenFGA store once flushed", async () => {
    const [user, invoice, account] = [unique('anne'), unique('i'), unique('acct')];
    await billing.grantMany([
      { user: `account:${account}`, relation: 'account', object: `invoice:${invoice}` },
      { user: `user:b-${user}`, relation: 'admin', object: `account:${account}` },
    ]);
    await billing.flush();
    expect(await pending(billing)).toBe(0);
    await http().get(`/invoices/${invoice}`).set('x-user', user).expect(200);
  });

  it("a @Grant on billing writes to billing's buffer only, and its token reads billing's writes", async () => {
    const [user, invoice] = [unique('anne'), unique('i')];
    const before = { docs: await pending(docs), billing: await pending(billing) };
    const res = await http().post('/invoices').set('x-user', user).send({ id: invoice }).expect(201);
    expect(await pending(billing)).toBe(before.billing + 1);
    expect(await pending(docs)).toBe(before.docs);
    const token = res.headers[HEADER] as string;
    expect(await billing.check(`user:b-${user}`, 'payer', `invoice:${invoice}`, { consistency: 'at-least-as-fresh', token })).toBe(true);
    await expect(docs.check(`user:${user}`, 'viewer', 'document:x', { consistency: 'at-least-as-fresh', token })).rejects.toThrow(
      InvalidConsistencyTokenError,
    );
    await http().get(`/invoices/${invoice}`).set('x-user', user).set(HEADER, token).expect(200);
    await http().delete(`/invoices/${invoice}/payer`).set('x-user', user).expect(200);
    expect(await billing.check(`user:b-${user}`, 'payer', `invoice:${invoice}`)).toBe(false);
  });

  it("another connection's token is ignored, not refused; a token of no connection is still a 400", async () => {
    const [user, invoice, doc] = [unique('anne'), unique('i'), unique('d')];
    await docs.grant(`user:${user}`, 'viewer', `document:${doc}`);
    const billingToken = (await http().post('/invoices').set('x-user', user).send({ id: invoice }).expect(201)).headers[HEADER] as string;
    // The default connection's route: billing's token says nothing about its store.
    await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, billingToken).expect(200);
    // Both connections in one request: billing's checks read at the token, the default's ignore it.
    await http().get(`/mixed/${invoice}/both?doc=${doc}`).set('x-user', user).set(HEADER, billingToken).expect(200);
    const foreign = billingToken.replace(/\.[A-Za-z0-9_-]{10}$/, '.AAAAAAAAAA');
    const res = await http().get(`/documents/${doc}`).set('x-user', user).set(HEADER, foreign).expect(400);
    expect(res.body.message).toMatch(/another store or prefix/);
    await http().get(`/invoices/${invoice}`).set('x-user', user).set(HEADER, 'not-a-token').expect(400);
  });

  it("@CheckMode('any') across the two: one yes on either connection opens, one check (or batch) per connection", async () => {
    const [user, invoice, doc] = [unique('anne'), unique('i'), unique('d')];
    await docs.grant(`user:${user}`, 'viewer', `document:${doc}`);
    const asked = { docs: jest.spyOn(docs, 'check'), billing: jest.spyOn(billing, 'check') };
    try {
      await http().get(`/mixed/${invoice}/either?doc=${doc}`).set('x-user', user).expect(200);
      expect(asked.docs).toHaveBeenCalledTimes(1);
      expect(asked.billing).toHaveBeenCalledTimes(1);
    } finally {
      jest.restoreAllMocks();
    }
    const payer = unique('carol');
    await billing.grant(`user:b-${payer}`, 'payer', `invoice:${invoice}`);
    await http().get(`/mixed/${invoice}/either?doc=${doc}`).set('x-user', payer).expect(200);
    await http().get(`/mixed/${invoice}/either?doc=${doc}`).set('x-user', unique('dave')).expect(403);
  });

  it('all mode across the two: both connections must say yes', async () => {
    const [user, invoice, doc] = [unique('anne'), unique('i'), unique('d')];
    await docs.grant(`user:${user}`, 'viewer', `document:${doc}`);
    await http().get(`/mixed/${invoice}/both?doc=${doc}`).set('x-user', user).expect(403);
    await billing.grant(`user:b-${user}`, 'viewer', `invoice:${invoice}`);
    await http().get(`/mixed/${invoice}/both?doc=${doc}`).set('x-user', user).expect(200);
  });

  it("grants on both connections in one request: each to its own buffer, the header the last one's token", async () => {
    const [user, invoice, doc] = [unique('anne'), unique('i'), unique('d')];
    const before = { docs: await pending(docs), billing: await pending(billing) };
    const res = await http().post(`/mixed/${invoice}`).set('x-user', user).send({ doc }).expect(201);
    expect(await pending(billing)).toBe(before.billing + 1);
    expect(await pending(docs)).toBe(before.docs + 1);
    const token = res.headers[HEADER] as string;
    expect(await docs.check(`user:${user}`, 'owner', `document:${doc}`, { consistency: 'at-least-as-fresh', token })).toBe(true);
    expect(await billing.check(`user:b-${user}`, 'payer', `invoice:${invoice}`)).toBe(true);
  });

  it('the default connection behaves as before', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const res = await http().post('/documents').set('x-user', user).send({ id: doc }).expect(201);
    await http()
      .get(`/documents/${doc}`)
      .set('x-user', user)
      .set(HEADER, res.headers[HEADER] as string)
      .expect(200);
    await http().get(`/documents/${doc}`).set('x-user', unique('bob')).expect(403);
  });
});

describe.each(PLATFORMS)('an app with only a named connection on %s', (platform) => {
  let app: INestApplication;
  let billing: OpenFgaService;

  beforeAll(async () => {
    const store = await billingStore();
    app = await startAppWith(
      platform,
      [OpenFgaModule.forRoot({ name: 'billing', ...testOptions(store), resolveUser: billingUser })],
      [InvoicesController],
    );
    billing = app.get<OpenFgaService>(getOpenFgaServiceToken('billing'));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('has no OpenFgaService of the default connection, and the guard and the interceptor work', async () => {
    expect(() => app.get(OpenFgaService)).toThrow();
    const res = await request(app.getHttpServer()).post('/invoices').set('x-user', 'anne').send({ id: 'only-1' }).expect(201);
    expect((await billing.status()).pending.total).toBe(1);
    await request(app.getHttpServer())
      .get('/invoices/only-1')
      .set('x-user', 'anne')
      .set(HEADER, res.headers[HEADER] as string)
      .expect(200);
    await request(app.getHttpServer()).get('/invoices/only-1').set('x-user', 'bob').expect(403);
  });
});

describe('start-up refusal of decorators on the wrong connection', () => {
  let docStore: TestStore;
  let invoiceStore: TestStore;

  beforeAll(async () => {
    [docStore, invoiceStore] = await Promise.all([freshStore('http-refusal-docs'), billingStore()]);
  });

  async function start(controllers: Type<unknown>[], withDefault = true): Promise<unknown> {
    @Module({ controllers })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        ...(withDefault ? [OpenFgaModule.forRoot(testOptions(docStore))] : []),
        OpenFgaModule.forRoot({ name: 'billing', ...testOptions(invoiceStore) }),
        FeatureModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      return undefined;
    } catch (err) {
      return err;
    } finally {
      await app.close();
    }
  }

  it('a connection no module registered: every such handler, its connection and the registered ones', async () => {
    @Controller('typo')
    class TypoController {
      @Get(':id')
      @Check('viewer', 'invoice:{params.id}', { connection: 'biling' })
      show() {}

      @Post()
      @Grant('payer', 'invoice:{result.id}', { connection: 'payments' })
      create() {}
    }
    const failure = await start([TypoController]);
    expect(failure).toBeInstanceOf(UnknownConnectionError);
    expect((failure as UnknownConnectionError).problems).toEqual([
      'TypoController.show: @Check names connection "biling"',
      'TypoController.create: @Grant names connection "payments"',
    ]);
    expect((failure as Error).message).toContain('(registered: default, billing)');
  });

  it('a decorator without a connection in an app with only named ones', async () => {
    const failure = await start([DocumentsController], false);
    expect(failure).toBeInstanceOf(UnknownConnectionError);
    expect((failure as Error).message).toContain('DocumentsController.read: @Check names connection "default"');
    expect((failure as Error).message).toContain('(registered: billing)');
  });

  it("a relation or type billing's model lacks; the default model's names stay the default's", async () => {
    @Controller('wrong-model')
    class WrongModelController {
      @Get(':id')
      @Check('editor', 'invoice:{params.id}', { connection: 'billing' })
      show() {}

      @Get('doc/:id')
      @Check('viewer', 'document:{params.id}', { connection: 'billing' })
      document() {}

      // The default model has documents: fine on the default connection.
      @Get('own/:id')
      @Check('viewer', 'document:{params.id}')
      own() {}
    }
    const failure = await start([WrongModelController]);
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect((failure as Error).message).toContain(`authorization model ${invoiceStore.modelId} (connection "billing")`);
    expect((failure as InvalidDecoratorError).problems).toEqual([
      'WrongModelController.show: @Check relation "editor" is not a relation of type "invoice" (invoice has: account, payer, viewer)',
      'WrongModelController.document: @Check object "document:{params.id}" names type "document", which is not in the authorization model (types: user, account, invoice)',
    ]);
  });

  it("the default model's validation does not read billing's decorators", async () => {
    expect(await start([InvoicesController, DocumentsController])).toBeUndefined();
  });
});
