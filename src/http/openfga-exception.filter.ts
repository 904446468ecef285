import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  Optional,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { throwError, type Observable } from 'rxjs';
import { CheckUnavailableError } from '../check/check-unavailable.error';
import { InvalidCheckOptionsError } from '../check/invalid-check-options.error';
import { InvalidConsistencyTokenError } from '../consistency/consistency-token';
import { ReplicationUnconfirmedError } from '../redis/replication-unconfirmed.error';
import { InvalidTupleError } from '../tuple/invalid-tuple.error';

/** The errors OpenFgaExceptionFilter answers; any other error goes on to the application's own handling. */
export type OpenFgaFilteredError =
  CheckUnavailableError | InvalidTupleError | InvalidCheckOptionsError | InvalidConsistencyTokenError | ReplicationUnconfirmedError;

/** The HTTP exception an OpenFGA error stands for: the guard's answers, for checks made in handlers. */
export function openFgaHttpException(error: OpenFgaFilteredError): HttpException {
  // Fail closed, with the guard's body: the reason (Redis or OpenFGA down) goes to the log, not to the client.
  if (error instanceof CheckUnavailableError) return new ForbiddenException('Access could not be verified');
  // Applied but not confirmed by a replica: the client may retry (idempotent), and must not take it as done.
  if (error instanceof ReplicationUnconfirmedError) return new ServiceUnavailableException('The change could not be confirmed; retry it');
  // Bad input names the field and the expected form; nothing was written or asked.
  return new BadRequestException(error.message);
}

/**
 * Answers `CheckUnavailableError` thrown by a direct `OpenFgaService.check()`
 * in a handler as the guard does (403 "Access could not be verified") instead
 * of a 500, a malformed tuple, check option or consistency token as 400, and
 * a write no Redis replica confirmed in time (`ReplicationUnconfirmedError`) as 503.
 *
 * Register it with `{ provide: APP_FILTER, useClass: OpenFgaExceptionFilter }`
 * or `app.useGlobalFilters(new OpenFgaExceptionFilter(app.get(HttpAdapterHost)))`;
 * without the adapter host it answers Express and Fastify responses directly.
 * Outside HTTP it hands the mapped HttpException back (GraphQL reports a
 * returned error), or as an Observable error for RPC and WebSockets.
 */
@Catch(CheckUnavailableError, InvalidTupleError, InvalidCheckOptionsError, InvalidConsistencyTokenError, ReplicationUnconfirmedError)
@Injectable()
export class OpenFgaExceptionFilter implements ExceptionFilter<OpenFgaFilteredError> {
  private readonly logger = new Logger('OpenFgaExceptionFilter');

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  catch(error: OpenFgaFilteredError, host: ArgumentsHost): HttpException | Observable<never> | undefined {
    const mapped = openFgaHttpException(error);
    if (error instanceof CheckUnavailableError) {
      this.logger.warn({ message: 'Access denied: a check could not be answered (fail closed)', reason: error.message });
    }
    const type = host.getType<string>();
    if (type === 'graphql') return mapped;
    if (type !== 'http') return throwError(() => mapped);
    reply(host.switchToHttp().getResponse<unknown>(), mapped, this.adapterHost);
    return undefined;
  }
}

interface ExpressLike {
  headersSent?: boolean;
  status(code: number): { json(body: unknown): unknown };
}
interface FastifyLike {
  sent?: boolean;
  code(code: number): { send(body: unknown): unknown };
  send(body: unknown): unknown;
}

function reply(response: unknown, exception: HttpException, adapterHost: HttpAdapterHost | undefined): void {
  const status = exception.getStatus();
  const body = exception.getResponse();
  const adapter = adapterHost?.httpAdapter;
  if (adapter) {
    if (adapter.isHeadersSent(response)) adapter.end(response);
    else adapter.reply(response, body, status);
    return;
  }
  // No adapter (a filter made with `new`): Express's response or Fastify's reply, as their adapters answer them.
  const r = response as Partial<ExpressLike & FastifyLike>;
  if (typeof r.code === 'function' && typeof r.send === 'function') {
    if (!r.sent) (response as FastifyLike).code(status).send(body);
  } else if (typeof r.status === 'function') {
    if (!r.headersSent) (response as ExpressLike).status(status).json(body);
  } else {
    throw new TypeError(
      'OpenFgaExceptionFilter: unknown HTTP response object; register it with APP_FILTER or pass app.get(HttpAdapterHost)',
    );
  }
}
