import { Body, Controller, ForbiddenException, Get, Headers, Inject, Injectable, Module, Param, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { OPENFGA_OPTIONS, OpenFgaService, ResolvedOpenFgaOptions } from '../../../src';
import { OpenFgaFake, OpenFgaTestingModule } from '../../../src/testing';

// ---- the example from the README ("Testing your app with the fake") --------

@Controller('documents')
class DocumentsController {
  constructor(private readonly fga: OpenFgaService) {}

  @Post(':id/share')
  async share(@Param('id') id: string, @Body() body: { userId: string }) {
    await this.fga.grant(`user:${body.userId}`, 'viewer', `document:${id}`);
    return { shared: true };
  }

  @Get(':id')
  async read(@Param('id') id: string, @Headers('x-user-id') userId: string) {
    if (!(await this.fga.check(`user:${userId}`, 'viewer', `document:${id}`))) throw new ForbiddenException();
    return { id };
  }
}

describe('DocumentsController (README example)', () => {
  let controller: DocumentsController;
  let fga: OpenFgaFake;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot()],
      controllers: [DocumentsController],
    }).compile();
    controller = moduleRef.get(DocumentsController);
    fga = moduleRef.get(OpenFgaFake);
  });

  it('shares a document: the grant is recorded, pending, and visible at once', async () => {
    await controller.share('roadmap', { userId: 'anne' });

    fga.assertGranted('user:anne', 'viewer', 'document:roadmap');
    fga.assertPending('user:anne', 'viewer', 'document:roadmap');
    expect(await controller.read('roadmap', 'anne')).toEqual({ id: 'roadmap' });

    await fga.flush();
    fga.assertNothingPending();
    fga.assertWritten('user:anne', 'viewer', 'document:roadmap');
  });

  it('forbids reading without access', async () => {
    await expect(controller.read('roadmap', 'bob')).rejects.toThrow(ForbiddenException);
    fga.assertChecked('user:bob', 'viewer', 'document:roadmap', { allowed: false });
    fga.assertNothingRecorded();
  });

  it('reads what the test seeded', async () => {
    fga.allow('user:carl', 'viewer', 'document:roadmap');
    expect(await controller.read('roadmap', 'carl')).toEqual({ id: 'roadmap' });
  });

  it('rejects what the real service would reject', async () => {
    await expect(controller.share('road map', { userId: 'anne' })).rejects.toThrow('Invalid object "document:road map"');
    fga.assertNothingRecorded();
  });
});

// ---- the module itself -------------------------------------------------------

@Injectable()
class NeedsOptions {
  constructor(@Inject(OPENFGA_OPTIONS) readonly options: ResolvedOpenFgaOptions) {}
}

@Module({ controllers: [DocumentsController], providers: [NeedsOptions] })
class FeatureModule {}

@Module({ controllers: [DocumentsController] })
class ControllerOnlyModule {}

describe('OpenFgaTestingModule', () => {
  it('provides one fake under both the OpenFgaService and the OpenFgaFake tokens, globally by default', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), FeatureModule] }).compile();
    const fake = moduleRef.get(OpenFgaFake);
    expect(fake).toBeInstanceOf(OpenFgaFake);
    expect(moduleRef.get<OpenFgaService, unknown>(OpenFgaService)).toBe(fake);
    await moduleRef.get(DocumentsController).share('1', { userId: 'anne' });
    fake.assertGranted('user:anne', 'viewer', 'document:1');
  });

  it('provides OPENFGA_OPTIONS with the resolveUser passed in, and addresses nothing listens on', async () => {
    const resolveUser = () => 'user:anne';
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ resolveUser }), FeatureModule],
    }).compile();
    const { options } = moduleRef.get(NeedsOptions);
    expect(options.resolveUser).toBe(resolveUser);
    expect(options).toMatchObject({ autoFlush: false, flushOnShutdown: false, apiUrl: 'http://127.0.0.1:1' });
  });

  it('passes the fake options on', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot({ allow: true })] }).compile();
    expect(await moduleRef.get(OpenFgaFake).check('user:anne', 'owner', 'document:1')).toBe(true);
  });

  it('is scoped to the importing module with isGlobal: false', async () => {
    const build = Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ isGlobal: false }), ControllerOnlyModule],
    }).compile();
    await expect(build).rejects.toThrow(/OpenFgaService/);
  });

  it('gives every forRoot() a fresh fake', async () => {
    const a = await Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot()] }).compile();
    const b = await Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot()] }).compile();
    await a.get(OpenFgaFake).grant('user:anne', 'viewer', 'document:1');
    b.get(OpenFgaFake).assertNothingRecorded();
  });

  it('serves a whole Nest application over HTTP, in process, without servers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot()],
      controllers: [DocumentsController],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    try {
      const fake = app.get(OpenFgaFake);
      await request(app.getHttpServer()).get('/documents/7').set('x-user-id', 'anne').expect(403);
      await request(app.getHttpServer()).post('/documents/7/share').send({ userId: 'anne' }).expect(201, { shared: true });
      await request(app.getHttpServer()).get('/documents/7').set('x-user-id', 'anne').expect(200, { id: '7' });
      fake.assertGranted('user:anne', 'viewer', 'document:7');
      fake.assertChecked('user:anne', 'viewer', 'document:7', { allowed: true });
      fake.assertChecked('user:anne', 'viewer', 'document:7', { allowed: false });
    } finally {
      await app.close();
    }
  });
});
