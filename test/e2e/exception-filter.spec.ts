/**
 * OpenFgaExceptionFilter over HTTP: a handler that calls OpenFgaService.check()
 * itself gets the guard's answers — 403 "Access could not be verified" when
 * the check cannot be answered (OpenFGA really unreachable: a closed loopback
 * port), 400 naming the field for
 * bad input — never a 500 and never a 200. On Express and Fastify, with the
 * filter registered the three ways an application can.
 */
import { Controller, ForbiddenException, Get, INestApplication, Module, Param, Provider, Query, Type } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CheckConsistency, CheckOptions, OpenFgaExceptionFilter, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { freePort } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { Platform, PLATFORMS } from './support/http-app';

@Controller('direct')
class DirectChecksController {
  constructor(private readonly openfga: OpenFgaService) {}

  /** Checks in the handler, as code that cannot use @Check does; `?consistency=` and `?token=` are passed on as given. */
  @Get('documents/:id')
  async read(
    @Param('id') id: string,
    @Query('user') user: string,
    @Query('consistency') consistency?: CheckConsistency,
    @Query('token') token?: string,
  ) {
    const options: CheckOptions = { ...(consistency && { consistency }), ...(token && { token }) };
    if (!(await this.openfga.check(`user:${user}`, 'viewer', `document:${id}`, options))) throw new ForbiddenException();
    return { id };
  }

  /** The object comes from the request as it is: `?object=document` (no id) is malformed. */
  @Get('objects')
  async readObject(@Query('object') object: string) {
    return { allowed: await this.openfga.check('user:anne', 'viewer', object) };
  }

  @Get('bad-options')
  async badOptions() {
    return { allowed: await this.openfga.check('user:anne', 'viewer', 'document:1', { bogus: true } as CheckOptions) };
  }
}

type Registration = 'APP_FILTER' | 'useGlobalFilters(new Filter())' | 'useGlobalFilters(new Filter(adapterHost))' | 'none';
const REGISTRATIONS: Registration[] = ['APP_FILTER', 'useGlobalFilters(new Filter())', 'useGlobalFilters(new Filter(adapterHost))'];

async function boot(platform: Platform, options: OpenFgaModuleOptions, registration: Registration): Promise<INestApplication> {
  const providers: Provider[] = registration === 'APP_FILTER' ? [{ provide: APP_FILTER, useClass: OpenFgaExceptionFilter }] : [];
  @Module({ controllers: [DirectChecksController], providers })
  class FeatureModule {}

  const moduleRef = await Test.createTestingModule({ imports: [OpenFgaModule.forRoot(options), FeatureModule as Type<unknown>] }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  if (registration === 'useGlobalFilters(new Filter())') app.useGlobalFilters(new OpenFgaExceptionFilter());
  if (registration === 'useGlobalFilters(new Filter(adapterHost))')
    app.useGlobalFilters(new OpenFgaExceptionFilter(app.get(HttpAdapterHost)));
  await app.listen(0, '127.0.0.1');
  return app;
}

describe.each(PLATFORMS)('OpenFgaExceptionFilter on %s', (platform) => {
  let store: TestStore;
  let unreachable: OpenFgaModuleOptions;

  beforeAll(async () => {
    store = await freshStore(`exception-filter-${platform}`);
    const apiUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    unreachable = testOptions(store, { apiUrl, requestTimeout: 1, checkTimeout: 2 });
  });

  describe.each(REGISTRATIONS)('registered with %s', (registration) => {
    let up: INestApplication;
    let down: INestApplication;

    beforeAll(async () => {
      up = await boot(platform, testOptions(store), registration);
      down = await boot(platform, unreachable, registration);
    });

    afterAll(async () => {
      await up?.close();
      await down?.close();
    });

    it('leaves answered checks alone: 200 when allowed, the handler’s own 403 when denied', async () => {
      const fga = up.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:shared');
      await fga.flush();
      await request(up.getHttpServer()).get('/direct/documents/shared?user=anne&consistency=strong').expect(200, { id: 'shared' });
      const denied = await request(up.getHttpServer()).get('/direct/documents/shared?user=bob').expect(403);
      expect(denied.body).toEqual({ statusCode: 403, message: 'Forbidden' });
    });

    it('answers a check OpenFGA cannot answer with the guard’s 403, not a 500 and never a 200', async () => {
      for (const query of ['user=anne', 'user=anne&consistency=strong']) {
        const res = await request(down.getHttpServer()).get(`/direct/documents/shared?${query}`).expect(403);
        expect(res.body).toEqual({ statusCode: 403, message: 'Access could not be verified', error: 'Forbidden' });
      }
    });

    it('answers a malformed tuple, check option or consistency token with 400 naming what is wrong', async () => {
      const tuple = await request(up.getHttpServer()).get('/direct/objects?object=document').expect(400);
      expect(tuple.body).toEqual({
        statusCode: 400,
        message: expect.stringMatching(/^Invalid object "document": expected /),
        error: 'Bad Request',
      });

      const option = await request(up.getHttpServer()).get('/direct/bad-options').expect(400);
      expect(option.body.message).toMatch(/^Invalid check options\.bogus: expected /);

      const token = await request(up.getHttpServer())
        .get('/direct/documents/shared?user=anne&consistency=at-least-as-fresh&token=v1.zz.not-ours')
        .expect(400);
      expect(token.body.message).toMatch(/^Invalid consistency token: /);
    });
  });

  it('is needed: without it the same outage reaches the client as a 500', async () => {
    const app = await boot(platform, unreachable, 'none');
    try {
      await request(app.getHttpServer()).get('/direct/documents/shared?user=anne').expect(500);
    } finally {
      await app.close();
    }
  });
});
