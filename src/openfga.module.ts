import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { createOpenFgaCore, OpenFgaCore } from './core/openfga-core';
import { FlushLifecycle } from './flush-lifecycle';
import { DecoratorValidator } from './http/decorator-validation/decorator-validator';
import { UnsupportedHandlers } from './http/unsupported-handlers';
import { OPENFGA_CORE, OPENFGA_OPTIONS } from './openfga.constants';
import { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } from './openfga.module-definition';
import { OpenFgaService } from './openfga.service';
import type { OpenFgaModuleOptions, ResolvedOpenFgaOptions } from './options/openfga-options.interface';
import { resolveOptions } from './options/resolve-options';
import { assertSafeEvictionPolicy } from './redis/eviction-policy';

/** How long start-up waits for the first read of the authorization model. */
const FIRST_MODEL_READ_MS = 3000;

/** The core, once Redis is known not to evict its keys (the app, the CLI bin and worker-only deployments all start here). */
async function startCore(options: ResolvedOpenFgaOptions): Promise<OpenFgaCore> {
  const core = createOpenFgaCore(options);
  try {
    await assertSafeEvictionPolicy(core.redis);
  } catch (err) {
    await core.close();
    throw err;
  }
  // Start with the relation graph when OpenFGA answers soon; else it comes at a later refresh (store-wide until then).
  await Promise.race([core.model.start(), new Promise((resolve) => setTimeout(resolve, FIRST_MODEL_READ_MS).unref())]);
  return core;
}

/**
 * Write-behind OpenFGA for Nest. Global by default (`isGlobal: false` to scope it).
 *
 * @example
 * OpenFgaModule.forRoot({ apiUrl: 'http://127.0.0.1:8080', storeId, redis: 'redis://127.0.0.1:6379' })
 * OpenFgaModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => c.getOrThrow('openfga') })
 */
@Module({
  // Discovery: the start-up check of @Check/@Grant/@Revoke names against the model.
  imports: [DiscoveryModule],
  providers: [
    { provide: OPENFGA_OPTIONS, useFactory: (raw: OpenFgaModuleOptions) => resolveOptions(raw), inject: [MODULE_OPTIONS_TOKEN] },
    { provide: OPENFGA_CORE, useFactory: startCore, inject: [OPENFGA_OPTIONS] },
    OpenFgaService,
    // Queue worker and cron trigger: started at bootstrap, stopped at shutdown.
    FlushLifecycle,
    DecoratorValidator,
    // Decorated microservice handlers refuse to start (src/http/unsupported-handlers.ts).
    UnsupportedHandlers,
  ],
  exports: [OpenFgaService, OPENFGA_OPTIONS, OPENFGA_CORE],
})
export class OpenFgaModule extends ConfigurableModuleClass {}
