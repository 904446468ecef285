/** Builds the real service on the real servers without a Nest app, for tests that need several "processes" in one. */
import type { OpenFgaModuleOptions, Tuple } from '../../../src';
import type { ReadScope } from '../../../src/scope/relation-scope';
import { createOpenFgaCore, OpenFgaCore } from '../../../src/core/openfga-core';
import { OpenFgaService } from '../../../src/openfga.service';
import { resolveOptions } from '../../../src/options/resolve-options';

export interface OpenService {
  service: OpenFgaService;
  core: OpenFgaCore;
  /** Resolves once the authorization model was read (the relation graph in use, or store-wide when unreadable). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The service calls that wait for the first model read, as an app's do (OpenFgaModule reads it before the app starts). */
const AFTER_START = new Set<string | symbol>([
  'grant',
  'revoke',
  'grantMany',
  'revokeMany',
  'check',
  'batchCheck',
  'status',
  'flush',
  'clear',
  'getPendingOperations',
  'getDeadLetters',
  'retryDeadLetters',
  'purgeDeadLetters',
  'listObjects',
  'listUsers',
  'read',
  'expand',
]);

export function openService(options: OpenFgaModuleOptions): OpenService {
  const core = createOpenFgaCore(resolveOptions(options));
  const started = core.model.start();
  const plain = new OpenFgaService(core);
  const service = new Proxy(plain, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (!AFTER_START.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => started.then(() => (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { core, service, ready: () => started, close: () => core.close() };
}

/** The arguments of `core.read.lookup` for a tuple, as a check passes them (its read scope). */
export function scoped(open: OpenService, t: Tuple): [Tuple, ReadScope | undefined] {
  return [t, open.core.read.scope.forRead(t)];
}
