/**
 * The `connection` option of the HTTP decorators without servers: its validation, the metadata it leaves, the
 * typed decorators bound to a connection, a guard subclass with the old constructor, and the run-time refusal
 * of a connection the app lacks (OpenFgaTestingModule registers only the default one and does not check names).
 */
import { Controller, Get, Inject, INestApplication, Injectable, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { OPENFGA_OPTIONS, OpenFgaRequest, OpenFgaService, ResolvedOpenFgaOptions } from '../../../src';
import { Check, CheckMode, Grant, OpenFgaGuard } from '../../../src/http';
import { registeredConnections } from '../../../src/connection/connection-registry';
import { CHECKS_METADATA, RECORDS_METADATA } from '../../../src/http/openfga-http.constants';
import { firstInApp } from '../../../src/http/once-per-app';
import type { CheckRequirement, TupleRecordRequirement } from '../../../src/http/requirements';
import { resolveOptions } from '../../../src/options/resolve-options';
import { OpenFgaFake, OpenFgaTestingModule } from '../../../src/testing';
import { openFgaDecorators } from '../../../src/typed';

const checksOf = (target: object) => Reflect.getMetadata(CHECKS_METADATA, target) as CheckRequirement[];
const recordsOf = (target: object) => Reflect.getMetadata(RECORDS_METADATA, target) as TupleRecordRequirement[];

describe('the connection option', () => {
  it('is kept on the requirement; the default one (unset or "default") leaves the metadata as it was', () => {
    class Routes {
      @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
      @Check('viewer', 'document:{params.id}', { connection: 'default' })
      @Check('viewer', 'document:{params.id}')
      read() {}

      @Grant('payer', 'invoice:{result.id}', { connection: 'billing' })
      create() {}
    }
    expect(checksOf(Routes.prototype.read).map((c) => c.connection)).toEqual(['billing', undefined, undefined]);
    expect('connection' in checksOf(Routes.prototype.read)[1]).toBe(false);
    expect(recordsOf(Routes.prototype.create)[0].connection).toBe('billing');
  });

  it('refuses a name that could not be a connection when the class loads', () => {
    expect(() => Check('viewer', 'document:1', { connection: 'bill ing' })).toThrow(
      '@Check: option "connection" must be a connection name: letters, digits, "_" or "-" (1-64 characters) (received "bill ing")',
    );
    expect(() => Grant('owner', 'document:1', { connection: '' })).toThrow(/^@Grant: option "connection"/);
    expect(() => Check('viewer', 'document:1', { connection: 7 as unknown as string })).toThrow(TypeError);
  });

  it('openFgaDecorators(connection) binds the connection; without one they are the plain decorators', () => {
    type Billing = { user: Record<never, never>; invoice: { payer: 'user'; viewer: 'user' } };
    const billing = openFgaDecorators<Billing>('billing');
    class Routes {
      @billing.Check('viewer', 'invoice:{params.id}')
      @billing.Grant('payer', 'invoice:{params.id}', { user: 'user:{params.user}' })
      read() {}
    }
    expect(checksOf(Routes.prototype.read)[0].connection).toBe('billing');
    expect(recordsOf(Routes.prototype.read)[0].connection).toBe('billing');
    expect(openFgaDecorators<Billing>().Check).toBe(Check);
    expect(() => openFgaDecorators<Billing>('no way')).toThrow(/^openFgaDecorators: option "connection"/);
    // @ts-expect-error a relation of another model does not compile
    billing.Check('editor', 'invoice:{params.id}');
    // @ts-expect-error the connection is the bound decorators' own
    billing.Check('viewer', 'invoice:{params.id}', { connection: 'default' });
  });
});

describe('registeredConnections and firstInApp', () => {
  it("finds options under their own connection's token only", () => {
    const base = { apiUrl: 'http://127.0.0.1:1', storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', redis: 'redis://127.0.0.1:1' };
    const defaults = resolveOptions(base);
    const billing = resolveOptions(base, 'billing');
    const found = registeredConnections([
      { token: OPENFGA_OPTIONS, instance: defaults },
      { token: 'OpenFgaOptions:billing', instance: billing },
      { token: 'Elsewhere', instance: billing },
      { token: 'OpenFgaOptions:x', instance: undefined },
    ]);
    expect([...found.keys()]).toEqual(['default', 'billing']);
    expect(found.get('billing')).toBe(billing);
  });

  it('runs a check once per app key', () => {
    const [one, two] = [{}, {}];
    expect([firstInApp(one, 'a'), firstInApp(one, 'a'), firstInApp(one, 'b'), firstInApp(two, 'a')]).toEqual([true, false, true, true]);
  });
});

@Controller('invoices')
class InvoicesController {
  @Get(':id')
  @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
  read() {
    return 'read';
  }

  /** Never opens through the default connection's yes: the missing one is a wiring error. */
  @Get(':id/either')
  @CheckMode('any')
  @Check('viewer', 'document:{params.id}')
  @Check('viewer', 'invoice:{params.id}', { connection: 'billing' })
  either() {
    return 'either';
  }

  static created = 0;

  @Post()
  @Grant('payer', 'invoice:{result.id}', { connection: 'billing' })
  create() {
    InvoicesController.created++;
    return { id: 'i1' };
  }

  @Get('docs/:id')
  @Check('viewer', 'document:{params.id}')
  document() {
    return 'document';
  }
}

/** A subclass written before connections: its own constructor, three arguments to super(). */
@Injectable()
class LegacyGuard extends OpenFgaGuard {
  constructor(openfga: OpenFgaService, @Inject(OPENFGA_OPTIONS) options: ResolvedOpenFgaOptions, reflector: Reflector) {
    super(openfga, options, reflector);
  }

  protected override getUser(request: OpenFgaRequest): Promise<string | undefined> {
    return Promise.resolve(typeof request.headers?.['x-user'] === 'string' ? `user:${request.headers['x-user']}` : undefined);
  }

  /** The default connection's service, as subclasses read it. */
  service(): OpenFgaService {
    return this.openfga;
  }
}

describe('a connection the app lacks, at run time (OpenFgaTestingModule)', () => {
  let app: INestApplication;
  let fake: OpenFgaFake;
  const logged: unknown[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ allow: true, resolveUser: (r) => `user:${String(r.headers?.['x-user'])}` })],
      controllers: [InvoicesController],
      providers: [LegacyGuard],
    }).compile();
    app = moduleRef.createNestApplication({ logger: { log() {}, warn() {}, error: (m: unknown) => logged.push(m) } });
    await app.init();
    fake = app.get(OpenFgaFake);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('is a 500 naming the connection, logged with the fix, and never an allow, whatever the other checks say', async () => {
    const res = await request(app.getHttpServer()).get('/invoices/1').set('x-user', 'anne').expect(500);
    expect(res.body.message).toBe('OpenFGA connection "billing" is not registered');
    expect(JSON.stringify(logged)).toContain(
      `No OpenFGA connection \\"billing\\" is registered (registered: default): import OpenFgaModule.forRoot({ name: 'billing', ... })`,
    );
    await request(app.getHttpServer()).get('/invoices/1/either').set('x-user', 'anne').expect(500);
  });

  it('a @Grant on it is refused before the handler runs, and nothing is written', async () => {
    const before = (await fake.status()).pending.total;
    await request(app.getHttpServer()).post('/invoices').set('x-user', 'anne').expect(500);
    expect(InvoicesController.created).toBe(0);
    expect((await fake.status()).pending.total).toBe(before);
  });

  it('the default connection is served as before, through the injected service', async () => {
    await request(app.getHttpServer()).get('/invoices/docs/1').set('x-user', 'anne').expect(200);
  });

  it('a subclass with the old constructor keeps the default connection, and says what it lacks for the others', async () => {
    const guard = app.get(LegacyGuard);
    expect(guard.service()).toBe(fake);
    const context = {
      getType: () => 'http',
      getClass: () => InvoicesController,
      getHandler: () => InvoicesController.prototype.read,
      switchToHttp: () => ({ getRequest: () => ({ headers: { 'x-user': 'anne' } }), getResponse: () => ({}) }),
      getArgs: () => [],
      getArgByIndex: () => undefined,
    };
    await expect(guard.canActivate(context as never)).rejects.toThrow('OpenFGA connection "billing" is not registered');
    expect(JSON.stringify(logged)).toContain('without ModuleRef (pass it to super())');
  });
});
