/** Builds the real service on the real servers without a Nest app, for tests that need several "processes" in one. */
import type { OpenFgaModuleOptions } from '../../../src';
import { createOpenFgaCore, OpenFgaCore } from '../../../src/core/openfga-core';
import { OpenFgaService } from '../../../src/openfga.service';
import { resolveOptions } from '../../../src/options/resolve-options';

export interface OpenService {
  service: OpenFgaService;
  core: OpenFgaCore;
  close(): Promise<void>;
}

export function openService(options: OpenFgaModuleOptions): OpenService {
  const core = createOpenFgaCore(resolveOptions(options));
  return { core, service: new OpenFgaService(core), close: () => core.close() };
}
