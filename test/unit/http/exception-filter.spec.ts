import { ArgumentsHost, BadRequestException, ForbiddenException, HttpException, Logger } from '@nestjs/common';
import { isObservable, lastValueFrom, Observable } from 'rxjs';
import {
  CheckUnavailableError,
  InvalidCheckOptionsError,
  InvalidConsistencyTokenError,
  InvalidTupleError,
  OpenFgaExceptionFilter,
  openFgaHttpException,
  ReplicationUnconfirmedError,
} from '../../../src';

const unavailable = new CheckUnavailableError({ user: 'user:anne', relation: 'viewer', object: 'document:1' }, 'Redis down');

function host(type: string, response: unknown = {}): ArgumentsHost {
  return {
    getType: () => type,
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({}), getNext: () => undefined }),
  } as unknown as ArgumentsHost;
}

// The HTTP path runs through real Express and Fastify apps in test/e2e/exception-filter.spec.ts.
describe('OpenFgaExceptionFilter outside HTTP', () => {
  const filter = new OpenFgaExceptionFilter();
  beforeAll(() => Logger.overrideLogger(false)); // the filter's warning is not what is tested here

  it('maps like the guard: unavailable → 403 "Access could not be verified", bad input → 400 with its message', () => {
    expect(openFgaHttpException(unavailable)).toEqual(new ForbiddenException('Access could not be verified'));
    for (const bad of [
      new InvalidTupleError('object', 'document', 'type:id'),
      new InvalidCheckOptionsError('options.bogus', true, 'absent'),
      new InvalidConsistencyTokenError('x', 'expected a token'),
    ]) {
      const mapped = openFgaHttpException(bad);
      expect(mapped).toBeInstanceOf(BadRequestException);
      expect(mapped.getResponse()).toEqual({ statusCode: 400, message: bad.message, error: 'Bad Request' });
    }
  });

  it('a write no replica confirmed in time → 503: the client retries, and never takes it as done', () => {
    const mapped = openFgaHttpException(new ReplicationUnconfirmedError(0, 1, 1000));
    expect(mapped.getStatus()).toBe(503);
    expect(mapped.message).toMatch(/could not be confirmed/);
  });

  it('returns the mapped exception to GraphQL, which reports a returned error', () => {
    const returned = filter.catch(unavailable, host('graphql'));
    expect(returned).toBeInstanceOf(HttpException);
    expect((returned as HttpException).getStatus()).toBe(403);
  });

  it('fails an RPC or WebSocket call with the mapped exception as an Observable error', async () => {
    for (const type of ['rpc', 'ws']) {
      const returned = filter.catch(unavailable, host(type));
      expect(isObservable(returned)).toBe(true);
      await expect(lastValueFrom(returned as Observable<never>)).rejects.toEqual(new ForbiddenException('Access could not be verified'));
    }
  });

  it('refuses an HTTP response it does not know, saying how to register it, rather than answer wrongly', () => {
    expect(() => filter.catch(unavailable, host('http', { end: () => undefined }))).toThrow(
      /APP_FILTER or pass app\.get\(HttpAdapterHost\)/,
    );
  });
});
