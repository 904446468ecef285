/**
 * The guard and the interceptor act once per call and handler: per HTTP
 * request, or per GraphQL field resolved (its arguments object), never per
 * GraphQL request, whose `req` every field shares. Other contexts are refused.
 */
import 'reflect-metadata';
import { ForbiddenException } from '@nestjs/common';
import type { ContextType } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { firstValueFrom, of } from 'rxjs';
import { Check, Grant, OpenFgaGuard, RecordTuplesInterceptor, UnsupportedContextError } from '../../src/http';
import type { OpenFgaService } from '../../src/openfga.service';
import type { ResolvedOpenFgaOptions } from '../../src/options/openfga-options.interface';

class Documents {
  @Check('viewer', 'document:{params.id}')
  read(): void {}

  @Check('editor', 'document:{params.id}')
  edit(): void {}

  @Grant('owner', 'document:{params.id}')
  create(): void {}

  @Grant('viewer', 'document:{params.id}')
  share(): void {}
}

class DocumentsResolver {
  @Check('viewer', 'document:{args.id}')
  read(): void {}

  @Check('editor', 'document:{args.id}')
  edit(): void {}

  @Grant('owner', 'document:{args.id}')
  create(): void {}
}

/** Anne may view document:1, nothing else. */
function fakeOpenFga() {
  const check = jest.fn((user: string, relation: string, object: string) =>
    Promise.resolve(user === 'user:anne' && relation === 'viewer' && object === 'document:1'),
  );
  const grantMany = jest.fn((_tuples: unknown[]) => Promise.resolve('token'));
  return { check, grantMany, service: { check, grantMany } as unknown as OpenFgaService };
}

const OPTIONS = {} as ResolvedOpenFgaOptions;

function context(type: ContextType, request: object, handler: keyof Documents): ExecutionContextHost {
  const ctx = new ExecutionContextHost([request, {}], Documents, Documents.prototype[handler]);
  ctx.setType(type);
  return ctx;
}

/** A resolver call as graphql-js makes it: (root, args, context, info); every field of one request shares `context.req`. */
function field(req: object, args: object, handler: keyof DocumentsResolver): ExecutionContextHost {
  const ctx = new ExecutionContextHost([undefined, args, { req }, {}], DocumentsResolver, DocumentsResolver.prototype[handler]);
  ctx.setType('graphql');
  return ctx;
}

async function verdict(guard: OpenFgaGuard, ctx: ExecutionContextHost): Promise<'allow' | 'deny'> {
  try {
    return (await guard.canActivate(ctx)) ? 'allow' : 'deny';
  } catch (err) {
    if (err instanceof ForbiddenException) return 'deny';
    throw err;
  }
}

describe('OpenFgaGuard memo', () => {
  it('in GraphQL, fields sharing one request are evaluated each on its own arguments; one field is evaluated once', async () => {
    const fga = fakeOpenFga();
    const reflector = new Reflector();
    const [classGuard, routeGuard] = [new OpenFgaGuard(fga.service, OPTIONS, reflector), new OpenFgaGuard(fga.service, OPTIONS, reflector)];
    const req = { user: { id: 'anne' } };
    const first = { id: '1' };
    expect(await verdict(classGuard, field(req, first, 'read'))).toBe('allow');
    expect(await verdict(routeGuard, field(req, first, 'read'))).toBe('allow');
    expect(fga.check).toHaveBeenCalledTimes(1);
    // Another field on the same request: another handler, or the same one aliased with other arguments.
    expect(await verdict(routeGuard, field(req, { id: '1' }, 'edit'))).toBe('deny');
    expect(await verdict(routeGuard, field(req, { id: '2' }, 'read'))).toBe('deny');
    expect(fga.check).toHaveBeenCalledTimes(3);
  });

  it.each(['rpc', 'ws'] as ContextType[])(
    'refuses a decorated %s handler on every call, naming the context and the handler',
    async (type) => {
      const fga = fakeOpenFga();
      const guard = new OpenFgaGuard(fga.service, OPTIONS, new Reflector());
      (guard as unknown as { logger: { error: () => void } }).logger.error = () => undefined;
      const shared = { user: { id: 'anne' }, params: { id: '1' } };
      for (let i = 0; i < 2; i++) {
        const failure = guard.canActivate(context(type, shared, 'read')).catch((err: unknown) => err);
        // In "rpc" it goes out as the RpcException of @nestjs/microservices, carrying the same message.
        await expect(failure).resolves.toMatchObject({
          message: expect.stringContaining(`@Check on Documents.read cannot run in a "${type}" handler`),
        });
        if (type === 'ws') await expect(failure).resolves.toBeInstanceOf(UnsupportedContextError);
      }
      expect(fga.check).not.toHaveBeenCalled();
    },
  );

  it('in HTTP, the guards of one request and route share one evaluation; another route is evaluated on its own', async () => {
    const fga = fakeOpenFga();
    const reflector = new Reflector();
    const [classGuard, routeGuard] = [new OpenFgaGuard(fga.service, OPTIONS, reflector), new OpenFgaGuard(fga.service, OPTIONS, reflector)];
    const request = { user: { id: 'anne' }, params: { id: '1' } };
    expect(await verdict(classGuard, context('http', request, 'read'))).toBe('allow');
    expect(await verdict(routeGuard, context('http', request, 'read'))).toBe('allow');
    expect(fga.check).toHaveBeenCalledTimes(1);
    expect(await verdict(routeGuard, context('http', request, 'edit'))).toBe('deny');
    expect(fga.check).toHaveBeenCalledTimes(2);
  });
});

describe('RecordTuplesInterceptor claim', () => {
  const run = async (interceptor: RecordTuplesInterceptor, ctx: ExecutionContextHost) =>
    firstValueFrom(await interceptor.intercept(ctx, { handle: () => of({}) }));

  it('in GraphQL, every field sharing one request records its own tuples, once per field', async () => {
    const fga = fakeOpenFga();
    const reflector = new Reflector();
    const req = { user: { id: 'anne' } };
    const first = { id: '1' };
    await run(new RecordTuplesInterceptor(fga.service, OPTIONS, reflector), field(req, first, 'create'));
    await run(new RecordTuplesInterceptor(fga.service, OPTIONS, reflector), field(req, first, 'create'));
    await run(new RecordTuplesInterceptor(fga.service, OPTIONS, reflector), field(req, { id: '2' }, 'create'));
    expect(fga.grantMany.mock.calls.map(([tuples]) => tuples)).toEqual([
      [{ user: 'user:anne', relation: 'owner', object: 'document:1' }],
      [{ user: 'user:anne', relation: 'owner', object: 'document:2' }],
    ]);
  });

  it('in HTTP, the interceptors of one request and route record once', async () => {
    const fga = fakeOpenFga();
    const reflector = new Reflector();
    const request = { user: { id: 'anne' }, params: { id: '1' } };
    await run(new RecordTuplesInterceptor(fga.service, OPTIONS, reflector), context('http', request, 'create'));
    await run(new RecordTuplesInterceptor(fga.service, OPTIONS, reflector), context('http', request, 'create'));
    expect(fga.grantMany).toHaveBeenCalledTimes(1);
  });
});
