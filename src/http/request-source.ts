import type { ExecutionContext, Logger } from '@nestjs/common';
import { OpenFgaError } from '../errors/openfga.error';
import { loadOptionalPeer } from '../observability/load-optional-peer';
import type { OpenFgaRequest } from '../options/openfga-options.interface';
import type { TemplateContext } from './object-template';
import { routeName } from './request-values';
import { UnsupportedContextError } from './unsupported-context.error';

/*
 * Where the guard and the interceptor find a call's values. Over HTTP: the
 * request (params, query, body, headers, user) and its response. In a GraphQL
 * resolver: the resolver's arguments (`{args...}`), and the HTTP request the
 * GraphQL context carries as `req` (headers, user) and its response. Nothing
 * else is supported: a decorated handler of another kind fails on every call.
 */

/** The part of @nestjs/graphql read here; loaded only when a resolver is called, so HTTP-only apps need nothing. */
interface GraphQlPeer {
  GqlExecutionContext: {
    create(context: ExecutionContext): { getArgs<T>(): T; getContext<T>(): T };
  };
}

interface GraphQlCall {
  args: Readonly<Record<string, unknown>>;
  context: { req?: unknown; res?: unknown; reply?: unknown };
}

function isGraphQl(context: ExecutionContext): boolean {
  return context.getType<string>() === 'graphql';
}

function graphQlCall(context: ExecutionContext): GraphQlCall {
  const { GqlExecutionContext } = loadOptionalPeer<GraphQlPeer>('@nestjs/graphql', 'OpenFgaGuard in a GraphQL resolver');
  const gql = GqlExecutionContext.create(context);
  const args = gql.getArgs<Readonly<Record<string, unknown>> | undefined>() ?? {};
  const ctx = gql.getContext<GraphQlCall['context'] | undefined>() ?? {};
  return { args, context: ctx };
}

/** The part of @nestjs/microservices read here (present in any app that has an `rpc` handler). */
interface MicroservicesPeer {
  RpcException: new (error: object) => Error;
}

/**
 * Throws unless the handler is an HTTP route or a GraphQL resolver, and logs
 * why. In a microservice handler the `UnsupportedContextError` goes out as an
 * `RpcException`, so the caller reads the reason instead of "Internal server error".
 */
export function assertSupportedContext(context: ExecutionContext, decorators: string, logger: Logger): void {
  const type = context.getType<string>();
  if (type === 'http' || type === 'graphql') return;
  const error = new UnsupportedContextError(type, routeName(context), decorators);
  logger.error({ message: error.message, route: routeName(context), contextType: type });
  const RpcException = type === 'rpc' ? rpcExceptionClass() : undefined;
  if (RpcException)
    throw new RpcException({ status: 'error', name: error.name, message: error.message, contextType: type, handler: error.handler });
  throw error;
}

function rpcExceptionClass(): MicroservicesPeer['RpcException'] | undefined {
  try {
    return loadOptionalPeer<MicroservicesPeer>('@nestjs/microservices', 'a microservice handler').RpcException;
  } catch {
    return undefined; // a custom transport without @nestjs/microservices: the plain error, logged above
  }
}

/**
 * The HTTP request: over HTTP the route's; in a GraphQL resolver the context's
 * `req` (the default context of @nestjs/apollo and @nestjs/mercurius has it).
 * In other contexts the first handler argument, which is only read when the
 * handler has no decorator of this package.
 */
export function requestOf(context: ExecutionContext): OpenFgaRequest {
  if (!isGraphQl(context)) return context.switchToHttp().getRequest<OpenFgaRequest>();
  const req = graphQlCall(context).context.req;
  if (typeof req !== 'object' || req === null) {
    throw new GraphQlContextError(
      `The GraphQL context of ${routeName(context)} has no "req": return it from GraphQLModule's context option, e.g. ({ req }) => ({ req })`,
    );
  }
  return req as OpenFgaRequest;
}

/** What a template is filled from: the request, and in a GraphQL resolver its arguments. */
export function templateContextOf(context: ExecutionContext, request: OpenFgaRequest, result?: unknown): TemplateContext {
  const base: TemplateContext = result === undefined ? { request } : { request, result };
  return isGraphQl(context) ? { ...base, args: graphQlCall(context).args } : base;
}

/** Where a consistency token header goes: the HTTP response, or the one the GraphQL context carries; `undefined` if none. */
export function responseOf(context: ExecutionContext): unknown {
  if (context.getType<string>() === 'http') return context.switchToHttp().getResponse();
  if (!isGraphQl(context)) return undefined;
  const { context: ctx } = graphQlCall(context);
  const req = ctx.req as { res?: unknown } | undefined;
  return ctx.res ?? ctx.reply ?? req?.res;
}

/**
 * What identifies one call of one handler, for enhancers that run more than
 * once per call (class, route, global) but must act once: the HTTP request, or
 * the arguments object graphql-js builds for each field it resolves (two
 * aliased fields of one query are two calls). `undefined`: not known, act every time.
 */
export function callKeyOf(context: ExecutionContext, request: unknown): object | undefined {
  if (context.getType<string>() === 'http') return typeof request === 'object' && request !== null ? request : undefined;
  if (!isGraphQl(context)) return undefined;
  const args: unknown = context.getArgByIndex(1);
  return typeof args === 'object' && args !== null ? args : undefined;
}

/** A GraphQL context the decorators cannot read (no `req`). */
export class GraphQlContextError extends OpenFgaError {
  override readonly name = 'GraphQlContextError';
}
