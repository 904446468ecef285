import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';

/**
 * Loads an optional peer dependency when a feature that needs it starts, never
 * at import time: apps that do not use metrics, tracing or Nest events do not
 * need prom-client, @opentelemetry/api or @nestjs/event-emitter installed.
 * `itsPeers`: the peers the dependency itself requires, named in the error
 * when one of them is what is missing (a package manager that does not
 * install peers leaves them out).
 */
export function loadOptionalPeer<T>(dependency: string, feature: string, itsPeers: readonly string[] = []): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(dependency) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = [dependency, ...itsPeers].find((name) => e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${name}'`));
    if (missing !== undefined) throw new MissingPeerDependencyError(missing, feature, undefined, err);
    throw err;
  }
}
