import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/**
 * Loads an optional peer dependency when a feature that needs it starts, never
 * at import time: apps that do not use metrics, tracing or Nest events do not
 * need prom-client, @opentelemetry/api or @nestjs/event-emitter installed.
 */
export function loadOptionalPeer<T>(dependency: string, feature: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(dependency) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${dependency}'`)) {
      throw new MissingPeerDependencyError(dependency, feature, undefined, err);
    }
    throw err;
  }
}
