import type { ExecutionContext } from '@nestjs/common';

type Handler = ReturnType<ExecutionContext['getHandler']>;
type Controller = ReturnType<ExecutionContext['getClass']>;

/**
 * One result per HTTP request and route (controller class and handler), for
 * enhancers that run more than once per request (class, route and global
 * level) but must act once. Weakly keyed by the request: it goes with it.
 */
export class HandlerRuns<T = Promise<boolean>> {
  private readonly byRequest = new WeakMap<object, { controller: Controller; handler: Handler; result: T }[]>();

  /** The result of the first `run` for this request and route. */
  once(request: object, context: ExecutionContext, run: () => T): T {
    const controller = context.getClass();
    const handler = context.getHandler();
    let entries = this.byRequest.get(request);
    if (!entries) this.byRequest.set(request, (entries = []));
    const found = entries.find((e) => e.controller === controller && e.handler === handler);
    if (found) return found.result;
    const result = run();
    entries.push({ controller, handler, result });
    return result;
  }
}
