/** Builds a small Nest app over Express or Fastify for the HTTP e2e suites, on the real servers. */
import { CanActivate, DynamicModule, ExecutionContext, INestApplication, Injectable, Module, Provider, Type } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { OpenFgaModule, OpenFgaModuleOptions, OpenFgaRequest } from '../../../src';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Stands in for an authentication guard: `X-User: anne` → `req.user = { id: 'anne' }`. */
@Injectable()
export class HeaderAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OpenFgaRequest>();
    const id = request.headers?.['x-user'];
    if (typeof id === 'string' && id !== '') request.user = { id };
    return true;
  }
}

/**
 * The controllers live in a feature module that does not import OpenFgaModule:
 * the guard and interceptor must resolve through the global module.
 */
export function startApp(
  platform: Platform,
  options: OpenFgaModuleOptions,
  controllers: Type<unknown>[],
  providers: Provider[] = [],
): Promise<INestApplication> {
  return startAppWith(platform, [OpenFgaModule.forRoot(options)], controllers, providers);
}

/** The same with the app's own modules, e.g. several `OpenFgaModule.forRoot({ name })`. */
export async function startAppWith(
  platform: Platform,
  imports: DynamicModule[],
  controllers: Type<unknown>[],
  providers: Provider[] = [],
): Promise<INestApplication> {
  @Module({ controllers, providers })
  class FeatureModule {}

  const moduleRef = await Test.createTestingModule({ imports: [...imports, FeatureModule] }).compile();
  const app =
    platform === 'express'
      ? moduleRef.createNestApplication({ logger: false })
      : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  app.useGlobalGuards(new HeaderAuthGuard());
  // Listen on loopback ourselves: supertest would otherwise bind an unlistened server to every interface.
  await app.listen(0, '127.0.0.1');
  return app;
}

/** The buffer position a consistency token names (the format is internal; tests may read it). */
export function tokenPosition(token: string): number {
  return parseInt(token.split('.')[1], 36);
}
