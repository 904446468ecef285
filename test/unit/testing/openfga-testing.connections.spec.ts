/**
 * `OpenFgaTestingModule.forRoot({ name })`: a fake per connection under that connection's tokens, several in
 * one test module, each its own state; and one named connection replaced by `overrideProvider` in a test of
 * the whole app.
 */
import { Controller, Get, Inject, Injectable, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  DEFAULT_CONNECTION,
  getOpenFgaOptionsToken,
  getOpenFgaServiceToken,
  InjectOpenFga,
  InvalidDecoratorError,
  OPENFGA_OPTIONS,
  OpenFgaService,
  ResolvedOpenFgaOptions,
} from '../../../src';
import { Check } from '../../../src/http';
import { FAKE_STORE_ID, OpenFgaFake, OpenFgaTestingModule } from '../../../src/testing';

@Injectable()
class Invoices {
  constructor(
    readonly docs: OpenFgaService,
    @InjectOpenFga('billing') readonly billing: OpenFgaService,
    @Inject(getOpenFgaOptionsToken('billing')) readonly billingOptions: ResolvedOpenFgaOptions,
  ) {}

  pay(id: string) {
    return this.billing.grant('user:anne', 'payer', `invoice:${id}`);
  }
}

@Controller('invoices')
class InvoicesController {
  @Get(':id')
  @Check('payer', 'invoice:{params.id}', { connection: 'billing' })
  show(@Param('id') id: string) {
    return { id };
  }
}

const BILLING_MODEL = `model
  schema 1.1
type user
type invoice
  relations
    define payer: [user]
`;

describe('OpenFgaTestingModule with named connections', () => {
  it('provides each fake under its connection’s tokens, several in one module, each with its own state', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot(), OpenFgaTestingModule.forRoot({ name: 'billing' })],
      providers: [Invoices],
    }).compile();
    const docs = moduleRef.get(OpenFgaFake);
    const billing = moduleRef.get<OpenFgaFake>(getOpenFgaServiceToken('billing'));
    expect(billing).toBeInstanceOf(OpenFgaFake);
    expect(billing).not.toBe(docs);
    const invoices = moduleRef.get(Invoices);
    expect(invoices.docs).toBe(docs);
    expect(invoices.billing).toBe(billing);

    await invoices.pay('7');
    billing.assertGranted('user:anne', 'payer', 'invoice:7');
    docs.assertNothingRecorded();
    expect(await docs.check('user:anne', 'payer', 'invoice:7')).toBe(false);
    expect(await billing.check('user:anne', 'payer', 'invoice:7')).toBe(true);

    expect(invoices.billingOptions).toMatchObject({ connection: 'billing', storeId: FAKE_STORE_ID });
    expect(moduleRef.get<ResolvedOpenFgaOptions>(OPENFGA_OPTIONS).connection).toBe(DEFAULT_CONNECTION);
  });

  it('works with named connections only (no OpenFgaService, no OpenFgaFake token)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ name: 'billing', allow: true }), OpenFgaTestingModule.forRoot({ name: 'crm' })],
    }).compile();
    expect(await moduleRef.get<OpenFgaFake>(getOpenFgaServiceToken('billing')).check('user:a', 'payer', 'invoice:1')).toBe(true);
    expect(await moduleRef.get<OpenFgaFake>(getOpenFgaServiceToken('crm')).check('user:a', 'payer', 'invoice:1')).toBe(false);
    expect(() => moduleRef.get(OpenFgaFake)).toThrow();
    expect(() => moduleRef.get(OpenFgaService)).toThrow();
  });

  it('refuses a name that could not be a connection, naming the option', () => {
    expect(() => OpenFgaTestingModule.forRoot({ name: 'bill ing' })).toThrow(
      'OpenFgaTestingModule option "name" must be a connection name: letters, digits, "_" or "-"',
    );
  });

  it('checks each connection’s decorators against its own model', async () => {
    const start = async (billingModel: string) => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          OpenFgaTestingModule.forRoot({ model: 'test/fixtures/model.fga' }), // no type invoice: billing's decorators are not its own
          OpenFgaTestingModule.forRoot({ name: 'billing', model: billingModel }),
        ],
        controllers: [InvoicesController],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      try {
        await app.init();
      } finally {
        await app.close();
      }
    };
    await expect(start(BILLING_MODEL)).resolves.toBeUndefined();
    const failure = await start(BILLING_MODEL.replace('payer', 'owner')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(InvalidDecoratorError);
    expect((failure as InvalidDecoratorError).problems).toEqual([
      'InvoicesController.show: @Check relation "payer" is not a relation of type "invoice" (invoice has: owner)',
    ]);
  });
});

describe('overriding one named connection in a test of the whole app', () => {
  it('replaces the billing service by a fake with overrideProvider(getOpenFgaServiceToken("billing"))', async () => {
    const fake = new OpenFgaFake({ allow: [{ user: 'user:anne', relation: 'payer', object: 'invoice:1' }] });
    // The app as it ships would register OpenFgaModule.forRoot({ name: 'billing', ... }); the testing module
    // stands in for its other parts here, and its billing service is the one replaced.
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenFgaTestingModule.forRoot(),
        OpenFgaTestingModule.forRoot({ name: 'billing', resolveUser: (req) => `user:${String(req.headers?.['x-user'])}` }),
      ],
      controllers: [InvoicesController],
      providers: [Invoices],
    })
      .overrideProvider(getOpenFgaServiceToken('billing'))
      .useValue(fake)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      expect(app.get(Invoices).billing).toBe(fake);
      await request(app.getHttpServer()).get('/invoices/1').set('x-user', 'anne').expect(200, { id: '1' });
      await request(app.getHttpServer()).get('/invoices/1').set('x-user', 'bob').expect(403);
      fake.assertChecked('user:anne', 'payer', 'invoice:1', { allowed: true });
      fake.assertChecked('user:bob', 'payer', 'invoice:1', { allowed: false });
      app.get(OpenFgaFake).assertNothingRecorded(); // the default connection was not asked
    } finally {
      await app.close();
    }
  });
});
