/** Builds the real service on the real servers without a Nest app, for tests that need several "processes" in one. */
import type { OpenFgaModuleOptions, Tuple } from '../../../src';
import type { ReadScope } from '../../../src/cache/relation-scope';
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

export function openService(options: OpenFgaModuleOptions): OpenService {
  const core = createOpenFgaCore(resolveOptions(options));
  return { core, service: new OpenFgaService(core), ready: () => core.model.start(), close: () => core.close() };
}

/** The arguments of `core.cache.lookup` for a tuple, as the read path passes them (model id, read scope). */
export function scoped(open: OpenService, t: Tuple): [Tuple, string | undefined, ReadScope | undefined] {
  return [t, open.core.options.authorizationModelId, open.core.buffer.scope.forRead(t)];
}
