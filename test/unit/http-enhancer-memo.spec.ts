/**
 * The guard and the interceptor act once per HTTP request and route, and
 * never reuse anything outside HTTP, where the object `getRequest` returns
 * may be shared by several messages or resolvers.
 */
import 'reflect-metadata';
import { ForbiddenException } from '@nestjs/common';
import type { ContextType } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { firstValueFrom, of } from 'rxjs';
import { Check, Grant, OpenFgaGuard, RecordTuplesInterceptor } from '../../src/http';
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

async function verdict(guard: OpenFgaGuard, ctx: ExecutionContextHost): Promise<'allow' | 'deny'> {
  try {
    return (await guard.canActivate(ctx)) ? 'allow' : 'deny';
  } catch (err) {
    if (err instanceof ForbiddenException) return 'deny';
    throw err;
  }
}

describe('OpenFgaGuard memo', () => {
  it.each(['rpc', 'ws', 'graphql'] as ContextType[])(
    'outside HTTP (%s), two checks sharing one "request" object are evaluated separately',
    async (type) => {
      const fga = fakeOpenFga();
      const guard = new OpenFgaGuard(fga.service, OPTIONS, new Reflector());
      const shared = { user: { id: 'anne' }, params: { id: '1' } };
      expect(await verdict(guard, context(type, shared, 'read'))).toBe('allow');
      // Another handler (another field or message pattern) on the same object: its own check.
      expect(await verdict(guard, context(type, shared, 'edit'))).toBe('deny');
      // The same handler for the next message, the shared object now naming another document.
      shared.params.id = '2';
      expect(await verdict(guard, context(type, shared, 'read'))).toBe('deny');
      expect(fga.check).toHaveBeenCalledTimes(3);
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

  it('outside HTTP, every handler sharing one "request" object records its own tuples', async () => {
    const fga = fakeOpenFga();
    const interceptor = new RecordTuplesInterceptor(fga.service, OPTIONS, new Reflector());
    const shared = { user: { id: 'anne' }, params: { id: '1' } };
    await run(interceptor, context('rpc', shared, 'create'));
    await run(interceptor, context('rpc', shared, 'share'));
    await run(interceptor, context('rpc', shared, 'share'));
    expect(fga.grantMany.mock.calls.map(([tuples]) => tuples)).toEqual([
      [{ user: 'user:anne', relation: 'owner', object: 'document:1' }],
      [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }],
      [{ user: 'user:anne', relation: 'viewer', object: 'document:1' }],
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
