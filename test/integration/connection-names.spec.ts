/**
 * A connection registered twice in one app (two forRoot/forRootAsync with the same name, or two
 * without one) fails start-up naming the option, before anything connects: Nest would otherwise
 * keep one registration for both, and one store would silently receive the other's writes.
 */
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import IORedis from 'ioredis';
import { InvalidOptionsError, OpenFgaModule, OpenFgaService, getOpenFgaServiceToken } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import type { TestStore } from '../support/harness/store';

jest.setTimeout(60_000);

let first: TestStore;
let second: TestStore;

beforeAll(async () => {
  [first, second] = await Promise.all([freshStore('names-a'), freshStore('names-b')]);
});

async function startError(imports: unknown[]): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
    await moduleRef.close();
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('connection names', () => {
  it('two forRoot with the same name fail start-up naming "name", before connecting to Redis', async () => {
    // A client the module never connects: lazyConnect, so any command would open it.
    const redis = new IORedis(serverEnv().redisUrl, { lazyConnect: true });
    try {
      const err = await startError([
        OpenFgaModule.forRoot({ ...testOptions(first, { redis }), name: 'billing' }),
        OpenFgaModule.forRoot({ ...testOptions(second, { redis }), name: 'billing' }),
      ]);
      expect(err).toBeInstanceOf(InvalidOptionsError);
      expect(err).toMatchObject({ option: 'name' });
      expect((err as Error).message).toContain('OpenFgaModule option "name" must be a connection name no other');
      expect((err as Error).message).toContain('(2 register "billing")');
      expect(redis.status).toBe('wait');
    } finally {
      redis.disconnect();
    }
  });

  it('forRoot() and forRoot({ name: "default" }), or forRoot with forRootAsync, are one connection twice', async () => {
    const unnamed = await startError([
      OpenFgaModule.forRoot(testOptions(first)),
      OpenFgaModule.forRoot({ ...testOptions(second), name: 'default' }),
    ]);
    expect(unnamed).toMatchObject({ option: 'name', message: expect.stringContaining('"default"') });
    const mixed = await startError([
      OpenFgaModule.forRoot({ ...testOptions(first), name: 'eu' }),
      OpenFgaModule.forRootAsync({ name: 'eu', useFactory: () => testOptions(second) }),
    ]);
    expect(mixed).toMatchObject({ option: 'name', message: expect.stringContaining('"eu"') });
  });

  it('one forRoot imported by two modules, and distinct names, start as before', async () => {
    const shared = OpenFgaModule.forRoot({ ...testOptions(first), name: 'shared' });
    @Global()
    @Module({ imports: [shared], exports: [shared] })
    class A {}
    @Module({ imports: [shared] })
    class B {}
    const moduleRef = await Test.createTestingModule({
      imports: [A, B, OpenFgaModule.forRoot(testOptions(second)), OpenFgaModule.forRoot({ ...testOptions(second), name: 'other' })],
    }).compile();
    try {
      await moduleRef.init();
      const sharedService = moduleRef.get<OpenFgaService>(getOpenFgaServiceToken('shared'), { strict: false });
      expect((await sharedService.status()).pending.total).toBe(0);
      expect(moduleRef.get(OpenFgaService, { strict: false })).toBeInstanceOf(OpenFgaService);
    } finally {
      await moduleRef.close();
    }
  });

  it('a malformed name, isGlobal or bullQueue fails forRoot/forRootAsync with InvalidOptionsError naming it', () => {
    const options = testOptions(first);
    const cases: [() => unknown, string][] = [
      [() => OpenFgaModule.forRoot({ ...options, name: 'bill ing' }), 'name'],
      [() => OpenFgaModule.forRootAsync({ name: '', useFactory: () => options }), 'name'],
      [() => OpenFgaModule.forRoot({ ...options, isGlobal: 'false' as never }), 'isGlobal'],
      [() => OpenFgaModule.forRootAsync({ bullQueue: 1 as never, useFactory: () => options }), 'bullQueue'],
    ];
    for (const [call, option] of cases) {
      expect(call).toThrow(InvalidOptionsError);
      expect(call).toThrow(
        expect.objectContaining({ option, message: expect.stringContaining(`OpenFgaModule option "${option}" must be`) }),
      );
    }
  });
});
