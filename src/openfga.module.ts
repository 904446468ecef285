import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { flushQueueRegistration } from './bullmq/flush-queue-registration';
import { OPENFGA_BULL_QUEUE, OPENFGA_FLUSH_HOST } from './bullmq/flush-queue.constants';
import { createOpenFgaCore, OpenFgaCore } from './core/openfga-core';
import { FlushLifecycle } from './flush-lifecycle';
import { DecoratorValidator } from './http/decorator-validation/decorator-validator';
import { UnsupportedHandlers } from './http/unsupported-handlers';
import { FieldResolverEnhancers } from './http/field-resolver-enhancers';
import { OPENFGA_CORE, OPENFGA_OPTIONS } from './openfga.constants';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE } from './openfga.module-definition';
import { OpenFgaService } from './openfga.service';
import type { OpenFgaModuleOptions, ResolvedOpenFgaOptions } from './options/openfga-options.interface';
import { resolveOptions } from './options/resolve-options';
import type { FlushWorkerHost } from './queue/flush-queue';
import type { FlushJobQueue } from './queue/flush-queue.producer';
import { loadFlushQueueAdapter } from './queue/load-flush-queue';
import { assertSafeEvictionPolicy } from './redis/eviction-policy';

/** How long start-up waits for the first read of the authorization model. */
const FIRST_MODEL_READ_MS = 3000;

/**
 * The core, once Redis is known not to evict its keys (the app, the CLI bin and worker-only deployments all start here).
 * `bullQueue`: the flush queue @nestjs/bullmq registered (queue mode on plain BullMQ without it).
 */
async function startCore(options: ResolvedOpenFgaOptions, bullQueue?: FlushJobQueue, host?: FlushWorkerHost): Promise<OpenFgaCore> {
  const core = createOpenFgaCore(
    options,
    bullQueue ? (deps) => loadFlushQueueAdapter().createHostedFlushQueue(deps, bullQueue, host) : undefined,
  );
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

/** Holds the options (and the imports their factory needs), shared by the module and the flush queue's registration. */
@Module({})
class OpenFgaOptionsModule {}

/**
 * Write-behind OpenFGA for Nest. Global by default (`isGlobal: false` to scope it).
 * In queue mode the flush queue is registered through @nestjs/bullmq (see `bullQueue`).
 *
 * @example
 * OpenFgaModule.forRoot({ apiUrl: 'http://127.0.0.1:8080', storeId, redis: 'redis://127.0.0.1:6379' })
 * OpenFgaModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => c.getOrThrow('openfga') })
 */
@Module({
  // Discovery: the start-up check of @Check/@Grant/@Revoke names against the model.
  imports: [DiscoveryModule],
  providers: [
    {
      provide: OPENFGA_CORE,
      useFactory: startCore,
      inject: [OPENFGA_OPTIONS, { token: OPENFGA_BULL_QUEUE, optional: true }, { token: OPENFGA_FLUSH_HOST, optional: true }],
    },
    OpenFgaService,
    // Queue worker and cron trigger: started at bootstrap, stopped at shutdown.
    FlushLifecycle,
    DecoratorValidator,
    // Decorated microservice handlers refuse to start (src/http/unsupported-handlers.ts).
    UnsupportedHandlers,
    // Decorated GraphQL field resolvers that Nest would skip refuse to start (src/http/field-resolver-enhancers.ts).
    FieldResolverEnhancers,
  ],
  exports: [OpenFgaService, OPENFGA_CORE],
})
export class OpenFgaModule extends ConfigurableModuleClass {
  /** Queue mode (`queue.enabled`) registers the flush queue through @nestjs/bullmq, unless `bullQueue: false`. */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return withOptions(super.forRoot(options), options.bullQueue ?? options.queue?.enabled === true);
  }

  /** The factory's options are not known yet: `bullQueue: true` registers the flush queue through @nestjs/bullmq. */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withOptions(super.forRootAsync(options), options.bullQueue === true);
  }
}

/** Moves the generated options providers into one options module that the queue registration can import too. */
function withOptions(base: DynamicModule, bullQueue: boolean): DynamicModule {
  const optionsModule: DynamicModule = {
    module: OpenFgaOptionsModule,
    imports: base.imports ?? [],
    providers: [
      ...(base.providers ?? []),
      { provide: OPENFGA_OPTIONS, useFactory: (raw: OpenFgaModuleOptions) => resolveOptions(raw), inject: [MODULE_OPTIONS_TOKEN] },
    ],
    exports: [OPENFGA_OPTIONS],
  };
  const queue = bullQueue ? flushQueueRegistration(optionsModule) : { imports: [], providers: [], exports: [] };
  return {
    ...base,
    imports: [optionsModule, ...queue.imports],
    providers: queue.providers,
    exports: [optionsModule, ...queue.exports],
  };
}
