import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import { flushQueueRegistration } from './bullmq/flush-queue-registration';
import { getFlushHostToken, getBullQueueToken } from './bullmq/flush-queue.constants';
import {
  getOpenFgaCoreToken,
  getOpenFgaOptionsToken,
  getOpenFgaServiceToken,
  isDefaultConnection,
  validateConnectionName,
} from './connection/connection-tokens';
import { createOpenFgaCore, OpenFgaCore } from './core/openfga-core';
import { FlushLifecycle } from './flush-lifecycle';
import { DecoratorValidator } from './http/decorator-validation/decorator-validator';
import { UnsupportedHandlers } from './http/unsupported-handlers';
import { FieldResolverEnhancers } from './http/field-resolver-enhancers';
import { ASYNC_OPTIONS_TYPE, ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE } from './openfga.module-definition';
import { OpenFgaService } from './openfga.service';
import type { OpenFgaModuleOptions, ResolvedOpenFgaOptions } from './options/openfga-options.interface';
import { InvalidOptionsError } from './options/invalid-options.error';
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

/**
 * The options `forRoot`/`forRootAsync` read themselves (`name`, `isGlobal`, `bullQueue`), checked as the others are:
 * an `InvalidOptionsError` naming the option (`isGlobal: "false"` from an env file would have made the module global).
 * Returns the connection name.
 */
function validateExtras(options: { name?: unknown; isGlobal?: unknown; bullQueue?: unknown } | undefined): string {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionsError('options', 'an object', options);
  for (const flag of ['isGlobal', 'bullQueue'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean')
      throw new InvalidOptionsError(flag, 'true or false', options[flag]);
  }
  try {
    return validateConnectionName(options.name);
  } catch {
    throw new InvalidOptionsError('name', 'a connection name: letters, digits, "_" or "-" (1-64 characters)', options.name);
  }
}

/**
 * Refuses a connection registered twice in one application (two `forRoot`/`forRootAsync` with the same `name`, or
 * two without one): Nest would silently keep one of them for both, so the other's store would get the writes
 * meant for it. Runs when the options are resolved, before anything connects; every module is registered by then.
 */
function assertOneRegistration(modules: ModulesContainer, optionsToken: string | symbol, name: string): void {
  let count = 0;
  for (const module of modules.values()) if (module.providers.has(optionsToken)) count++;
  if (count > 1) {
    throw new InvalidOptionsError(
      'name',
      `a connection name no other OpenFgaModule.forRoot/forRootAsync (or OpenFgaTestingModule.forRoot) of the application uses: one per connection (${count} register "${name}")`,
      name,
    );
  }
}

/** Holds the options (and the imports their factory needs), shared by the module and the flush queue's registration. */
@Module({})
class OpenFgaOptionsModule {}

/**
 * Write-behind OpenFGA for Nest. Global by default (`isGlobal: false` to scope it).
 * In queue mode the flush queue is registered through @nestjs/bullmq (see `bullQueue`).
 * Several stores: one `forRoot({ name })` per connection, each with its own
 * buffer, flusher and queue, injected with `@InjectOpenFga(name)`.
 *
 * @example
 * OpenFgaModule.forRoot({ apiUrl: 'http://127.0.0.1:8080', storeId, redis: 'redis://127.0.0.1:6379' })
 * OpenFgaModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => c.getOrThrow('openfga') })
 * OpenFgaModule.forRoot({ name: 'billing', apiUrl, storeId: billingStoreId, redis })
 */
@Module({
  // Discovery: the start-up check of @Check/@Grant/@Revoke names against the model.
  imports: [DiscoveryModule],
})
export class OpenFgaModule extends ConfigurableModuleClass {
  /** Queue mode (`queue.enabled`) registers the flush queue through @nestjs/bullmq, unless `bullQueue: false`. */
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    const name = validateExtras(options);
    return connectionModule(super.forRoot(options), options.bullQueue ?? options.queue?.enabled === true, name);
  }

  /** The factory's options are not known yet: `bullQueue: true` registers the flush queue through @nestjs/bullmq. */
  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    const name = validateExtras(options);
    return connectionModule(super.forRootAsync(options), options.bullQueue === true, name);
  }
}

/**
 * One connection's module: its options (in an options module the queue registration imports too), its
 * core, service and lifecycle, under the connection's tokens (the default connection keeps the
 * unnamed ones: `OpenFgaService`, `OPENFGA_CORE`, `OPENFGA_OPTIONS`).
 */
function connectionModule(base: DynamicModule, bullQueue: boolean, name: string): DynamicModule {
  const optionsToken = getOpenFgaOptionsToken(name);
  const coreToken = getOpenFgaCoreToken(name);
  const serviceToken = getOpenFgaServiceToken(name);
  const optionsModule: DynamicModule = {
    module: OpenFgaOptionsModule,
    imports: base.imports ?? [],
    providers: [
      ...(base.providers ?? []),
      {
        provide: optionsToken,
        useFactory: (raw: OpenFgaModuleOptions, modules: ModulesContainer) => {
          assertOneRegistration(modules, optionsToken, name);
          return resolveOptions(raw, name);
        },
        inject: [MODULE_OPTIONS_TOKEN, ModulesContainer],
      },
    ],
    exports: [optionsToken],
  };
  const queue = bullQueue ? flushQueueRegistration(optionsModule, name) : { imports: [], providers: [], exports: [] };
  const providers: Provider[] = [
    {
      provide: coreToken,
      useFactory: startCore,
      inject: [optionsToken, { token: getBullQueueToken(name), optional: true }, { token: getFlushHostToken(name), optional: true }],
    },
    isDefaultConnection(name)
      ? OpenFgaService
      : { provide: serviceToken, useFactory: (core: OpenFgaCore) => new OpenFgaService(core), inject: [coreToken] },
    // Queue worker and cron trigger: started at bootstrap, stopped at shutdown.
    {
      provide: `FlushLifecycle:${name}`,
      useFactory: (core: OpenFgaCore, ref: ModuleRef) => new FlushLifecycle(core, ref),
      inject: [coreToken, ModuleRef],
    },
    {
      provide: `DecoratorValidator:${name}`,
      useFactory: (core: OpenFgaCore, discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector) =>
        new DecoratorValidator(core, discovery, scanner, reflector, name),
      inject: [coreToken, DiscoveryService, MetadataScanner, Reflector],
    },
    // Decorated microservice handlers refuse to start (src/http/unsupported-handlers.ts).
    UnsupportedHandlers,
    // Decorated GraphQL field resolvers that Nest would skip refuse to start (src/http/field-resolver-enhancers.ts).
    FieldResolverEnhancers,
    ...queue.providers,
  ];
  return {
    ...base,
    imports: [optionsModule, ...queue.imports],
    providers,
    exports: [optionsModule, ...queue.exports, serviceToken, coreToken],
  };
}
