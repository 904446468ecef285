/**
 * Guard order with a real authentication guard (passport-jwt through
 * @nestjs/passport), on Express and Fastify, against the real servers:
 * `@UseGuards(AuthGuard('jwt'))` written above `@Check` makes Nest run
 * `@Check` first (no user yet: 401 for every signed-in user), so the app
 * refuses to start, naming the handler and the fix. Written the other way
 * round, or with the guard on the class, the signed-in user is checked.
 */
import { Controller, Get, INestApplication, Injectable, Module, Param, UseGuards } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ExtractJwt, Strategy } from 'passport-jwt';
import request from 'supertest';
import { OpenFgaModule, OpenFgaService } from '../../src';
import { Check, GuardOrderError } from '../../src/http';
import { freshStore, testOptions } from '../support/harness/env';
import type { TestStore } from '../support/harness/store';

const SECRET = 'guard-order-test-secret';

@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: SECRET });
  }
  validate(claims: { sub: string }) {
    return { id: claims.sub };
  }
}

@Controller('wrong')
class WrongOrderController {
  @Get(':id')
  @UseGuards(AuthGuard('jwt'))
  @Check('viewer', 'document:{params.id}')
  read(@Param('id') id: string) {
    return { id };
  }
}

@Controller('right')
class RightOrderController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  @UseGuards(AuthGuard('jwt'))
  read(@Param('id') id: string) {
    return { id };
  }
}

@Controller('on-class')
@UseGuards(AuthGuard('jwt'))
class ClassGuardController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  read(@Param('id') id: string) {
    return { id };
  }
}

describe.each(['express', 'fastify'] as const)('guard order with passport-jwt (%s)', (platform) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await freshStore('guard-order');
  });

  async function start(controllers: (new () => unknown)[]): Promise<INestApplication> {
    @Module({
      imports: [OpenFgaModule.forRoot(testOptions(store)), PassportModule, JwtModule.register({ secret: SECRET })],
      controllers,
      providers: [JwtStrategy],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app =
      platform === 'express'
        ? moduleRef.createNestApplication({ logger: false })
        : moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
    } catch (err) {
      await app.close().catch(() => undefined);
      throw err;
    }
    return app;
  }

  it('refuses to start when @UseGuards(AuthGuard) is written above @Check, naming the handler and the fix', async () => {
    const failed = await start([WrongOrderController]).then(
      async (app) => {
        await app.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(GuardOrderError);
    expect(String((failed as Error).message)).toMatch(/WrongOrderController\.read: .* is listed after @Check/);
    expect(String((failed as Error).message)).toMatch(/Write @Check above @UseGuards/);
  });

  it('checks the signed-in user when @Check is written above the guard, or the guard is on the class', async () => {
    const app = await start([RightOrderController, ClassGuardController]);
    try {
      const fga = app.get(OpenFgaService);
      await fga.grant('user:anne', 'viewer', 'document:plan');
      const jwt = app.get(JwtService);
      const anne = `Bearer ${jwt.sign({ sub: 'anne' })}`;
      const bob = `Bearer ${jwt.sign({ sub: 'bob' })}`;
      for (const route of ['right', 'on-class']) {
        await request(app.getHttpServer()).get(`/${route}/plan`).set('authorization', anne).expect(200);
        await request(app.getHttpServer()).get(`/${route}/plan`).set('authorization', bob).expect(403);
        await request(app.getHttpServer()).get(`/${route}/plan`).expect(401);
      }
    } finally {
      await app.close();
    }
  });
});
