/**
 * What @Grant/@Revoke record for the ways a handler can end, on Express and
 * Fastify against the real Redis and OpenFGA: an Observable that fails after a
 * value or emits several, a later run the model refuses, a response an outer
 * timeout interceptor abandoned, an @Sse route; and a `req.user` whose `id` is
 * an accessor.
 */
import {
  CallHandler,
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  INestApplication,
  Injectable,
  Logger,
  NestInterceptor,
  Param,
  Post,
  RequestTimeoutException,
  Sse,
  UseInterceptors,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { catchError, concat, delay, interval, map, Observable, of, take, throwError, timeout, TimeoutError } from 'rxjs';
import { OpenFgaEventMap, OpenFgaModule, OpenFgaRequest, OpenFgaService } from '../../src';
import { Check, Grant, Revoke, UnsupportedContextError } from '../../src/http';
import { OpenFgaTestingModule } from '../../src/testing';
import { freshStore, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import { PLATFORMS, startApp } from './support/http-app';

const HEADER = 'x-consistency-token';

/** Nest's documented TimeoutInterceptor: the response stops waiting after 100 ms (408). */
@Injectable()
class TimeoutInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      timeout(100),
      catchError((err: unknown) => throwError(() => (err instanceof TimeoutError ? new RequestTimeoutException() : err))),
    );
  }
}

const done: string[] = [];

@Controller('streams')
class StreamsController {
  @Post(':id/emit-then-fail')
  @Grant('owner', 'document:{result.id}')
  emitThenFail(@Param('id') id: string): Observable<{ id: string }> {
    return concat(
      of({ id }),
      throwError(() => new Error('storage failed after the first value')),
    );
  }

  @Post(':id/two-values')
  @Grant('owner', 'document:{result.id}')
  twoValues(@Param('id') id: string): Observable<{ id: string }> {
    return of({ id: `${id}-draft` }, { id }).pipe(delay(1));
  }

  /** Three runs; the third's user (a plain group) is one document#viewer does not admit. */
  @Post(':id/partial')
  @Grant('owner', 'document:{params.id}')
  @Revoke('editor', 'document:{params.id}')
  @Grant('viewer', 'document:{params.id}', { user: '{body.user}' })
  partial(): { ok: true } {
    return { ok: true };
  }

  /** Finishes after the 100 ms the timeout interceptor waits (written last, it is applied first: the outer interceptor). */
  @Post(':id/slow')
  @Grant('owner', 'document:{result.id}')
  @UseInterceptors(TimeoutInterceptor)
  async slow(@Param('id') id: string): Promise<{ id: string }> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    done.push(id); // the handler's effect (a row in the app's database)
    return { id };
  }

  @Post(':id/slow-refused')
  @Grant('viewer', 'document:{params.id}', { user: '{result.user}' })
  @UseInterceptors(TimeoutInterceptor)
  async slowRefused(@Param('id') id: string): Promise<{ user: string }> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    done.push(id);
    return { user: 'group:eng' }; // not admitted by document#viewer
  }

  /** @Check on an @Sse route is fine: it runs once, before the stream. */
  @Sse(':id/events')
  @Check('viewer', 'document:{params.id}')
  events(): Observable<{ data: string }> {
    return interval(1).pipe(
      take(2),
      map((i) => ({ data: String(i) })),
    );
  }
}

class Account {
  constructor(private readonly accountId: string) {}
  /** As an entity class or a Mongoose document (its virtual `id`) exposes it. */
  get id(): string {
    return this.accountId;
  }
}

/** Authentication that puts a class instance on `req.user`: `X-Account: acc1` → `new Account('acc1')`. */
@Injectable()
class AccountAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<OpenFgaRequest>();
    const id = req.headers?.['x-account'];
    if (typeof id === 'string') req.user = new Account(id);
    return true;
  }
}

@Controller('accounts')
class AccountsController {
  @Get(':id')
  @Check('viewer', 'document:{params.id}')
  read(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post(':id')
  @Grant('owner', 'document:{params.id}')
  create(@Param('id') id: string): { id: string } {
    return { id };
  }
}

describe.each(PLATFORMS)('what @Grant/@Revoke record as a handler ends, on %s', (platform) => {
  let app: INestApplication;
  let fga: OpenFgaService;
  let n = 0;
  const unique = (what: string) => `${what}${++n}${platform[0]}`;
  const http = () => request(app.getHttpServer());
  const opsOn = async (prefix: string) => (await fga.getPendingOperations()).filter((o) => o.object.startsWith(prefix));

  beforeAll(async () => {
    const store = await freshStore(`record-outcome-${platform}`);
    app = await startApp(
      platform,
      testOptions(store),
      [StreamsController, AccountsController],
      [{ provide: APP_GUARD, useClass: AccountAuthGuard }],
    );
    fga = app.get(OpenFgaService);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('records nothing when an Observable handler fails after its first value', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const res = await http().post(`/streams/${doc}/emit-then-fail`).set('x-user', user).expect(500);
    expect(res.headers[HEADER]).toBeUndefined();
    expect(await opsOn(`document:${doc}`)).toEqual([]);
  });

  it('records once, with the last value an Observable handler emits (the one Nest answers with)', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const res = await http().post(`/streams/${doc}/two-values`).set('x-user', user).expect(201, { id: doc });
    expect(res.headers[HEADER]).toMatch(/^v1\./);
    expect((await opsOn(`document:${doc}`)).map((o) => [o.kind, o.user, o.object])).toEqual([['grant', `user:${user}`, `document:${doc}`]]);
  });

  it('a later run refused: recordFailed lists only what was not written, and the written runs apart', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const failed: OpenFgaEventMap['recordFailed'][] = [];
    const off = fga.events.on('recordFailed', (e) => failed.push(e));
    try {
      const res = await http().post(`/streams/${doc}/partial`).set('x-user', user).send({ user: 'group:eng' }).expect(500);
      expect(res.body.message).toBe('The request was handled, but its authorization change could only partly be recorded');
    } finally {
      off();
    }
    const tuple = (o: { kind: string; user: string; relation: string; object: string }) => [o.kind, o.user, o.relation, o.object];
    expect((await opsOn(`document:${doc}`)).map(tuple)).toEqual([
      ['grant', `user:${user}`, 'owner', `document:${doc}`],
      ['revoke', `user:${user}`, 'editor', `document:${doc}`],
    ]);
    expect(failed).toHaveLength(1);
    expect(failed[0].handler).toBe('StreamsController.partial');
    expect(failed[0].operations.map(tuple)).toEqual([['grant', 'group:eng', 'viewer', `document:${doc}`]]);
    expect(failed[0].written.map(tuple)).toEqual([
      ['grant', `user:${user}`, 'owner', `document:${doc}`],
      ['revoke', `user:${user}`, 'editor', `document:${doc}`],
    ]);
  });

  it('a response a timeout interceptor abandoned: the handler finished, so its tuple is recorded and the abandonment logged', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await http().post(`/streams/${doc}/slow`).set('x-user', user).expect(408);
      await eventually('the grant recorded after the 408', async () => (await opsOn(`document:${doc}`)).length > 0, 3000);
      expect(done).toContain(doc);
      expect((await opsOn(`document:${doc}`)).map((o) => [o.kind, o.user, o.object])).toEqual([
        ['grant', `user:${user}`, `document:${doc}`],
      ]);
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({
          message: expect.stringContaining('The response was abandoned') as unknown,
          handler: 'StreamsController.slow',
        }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('a response a timeout interceptor abandoned, whose tuple is then refused: recordFailed and a logged error', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    const failed: OpenFgaEventMap['recordFailed'][] = [];
    const off = fga.events.on('recordFailed', (e) => failed.push(e));
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await http().post(`/streams/${doc}/slow-refused`).set('x-user', user).expect(408);
      await eventually('recordFailed after the 408', () => Promise.resolve(failed.length > 0), 3000);
      expect(failed.map((f) => f.operations.map((o) => [o.user, o.object]))).toEqual([[['group:eng', `document:${doc}`]]]);
      expect(error).toHaveBeenCalledWith(expect.objectContaining({ handler: 'StreamsController.slowRefused' }));
      expect(await opsOn(`document:${doc}`)).toEqual([]);
    } finally {
      off();
      error.mockRestore();
    }
  });

  it('@Check on an @Sse route runs once before the stream', async () => {
    const [user, doc] = [unique('anne'), unique('d')];
    await http().get(`/streams/${doc}/events`).set('x-user', user).expect(403);
    await fga.grant(`user:${user}`, 'viewer', `document:${doc}`);
    const res = await http().get(`/streams/${doc}/events`).set('x-user', user).expect(200);
    expect(res.text).toContain('data: 1');
  });

  it('reads a req.user whose id is an accessor (a class instance, a Mongoose document)', async () => {
    const [account, doc] = [unique('acc'), unique('d')];
    await http().get(`/accounts/${doc}`).set('x-account', account).expect(403);
    await fga.grant(`user:${account}`, 'viewer', `document:${doc}`);
    await http().get(`/accounts/${doc}`).set('x-account', account).expect(200, { id: doc });
    const created = unique('d');
    await http().post(`/accounts/${created}`).set('x-account', account).expect(201);
    expect((await opsOn(`document:${created}`)).map((o) => [o.user, o.relation])).toEqual([[`user:${account}`, 'owner']]);
  });
});

@Controller('feed')
class FeedController {
  static ran = 0;

  @Sse(':id')
  @Grant('viewer', 'document:{params.id}')
  feed(): Observable<{ data: string }> {
    FeedController.ran++;
    return of({ data: 'one' });
  }
}

describe('@Grant/@Revoke on an @Sse route', () => {
  it('OpenFgaModule refuses to start, naming the handler and what to do instead', async () => {
    const store = await freshStore('record-outcome-sse');
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaModule.forRoot(testOptions(store))],
      controllers: [FeedController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      const err: unknown = await app.init().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnsupportedContextError);
      expect((err as Error).message).toBe(
        '@Grant/@Revoke on FeedController.feed cannot run in a "sse" handler: an @Sse route answers with a stream of events, ' +
          'not one result to record (@Check works there); grant or revoke with OpenFgaService in the handler instead',
      );
    } finally {
      await app.close();
    }
  });

  it('OpenFgaTestingModule refuses to start it too, so unit tests on the fake catch it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot()],
      controllers: [FeedController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(app.init()).rejects.toThrow(/@Grant\/@Revoke on FeedController\.feed cannot run in a "sse" handler/);
    } finally {
      await app.close();
    }
  });

  it('fails every call where start-up did not refuse it (validateDecorators: false), and the handler never runs', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenFgaTestingModule.forRoot({ validateDecorators: false })],
      controllers: [FeedController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalGuards(new AccountAuthGuard());
    await app.listen(0, '127.0.0.1');
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await request(app.getHttpServer()).get('/feed/d1').set('x-account', 'anne').expect(500);
      expect(FeedController.ran).toBe(0);
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ message: expect.stringContaining('cannot run in a "sse" handler') as unknown }),
      );
    } finally {
      error.mockRestore();
      await app.close();
    }
  });
});
