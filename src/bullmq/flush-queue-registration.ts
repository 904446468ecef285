import type { DynamicModule, Provider } from '@nestjs/common';
import { loadOptionalPeer } from '../observability/load-optional-peer';
import { getOpenFgaOptionsToken } from '../connection/connection-tokens';
import type { ResolvedOpenFgaOptions } from '../options/openfga-options.interface';
import { storeKeys } from '../redis/redis-keys';
import { flushQueueKeyPrefix } from '../queue/flush-queue-prefix';
import { producerSource, SharedBullConfig } from './bull-connections';
import { getBullQueueToken, getFlushHostToken, getFlushQueueName, OPENFGA_BULL_CONFIG_KEY } from './flush-queue.constants';

export interface FlushQueueRegistration {
  imports: DynamicModule[];
  providers: Provider[];
  exports: DynamicModule[];
}

/**
 * Queue mode through @nestjs/bullmq: the flush queue registered with
 * `BullModule.registerQueueAsync` (on the app's `BullModule.forRoot` connection
 * and prefix when it has them), exported so `@InjectQueue(OPENFGA_FLUSH_QUEUE)`
 * (a named connection: `@InjectQueue(getFlushQueueName(name))`) works, and the
 * processor whose worker BullModule's explorer builds.
 * `optionsModule` provides the resolved options to the queue's factory.
 * Loads @nestjs/bullmq only now: apps without queue mode do not need it.
 */
export function flushQueueRegistration(optionsModule: DynamicModule, connection: string): FlushQueueRegistration {
  const feature = 'OpenFgaModule queue mode (option "queue.enabled")';
  const bull = loadOptionalPeer<typeof import('@nestjs/bullmq')>('@nestjs/bullmq', feature);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createFlushProcessor } = require('./openfga-flush.processor') as typeof import('./openfga-flush.processor');
  const shared = { token: bull.getSharedConfigToken(), optional: true };
  const optionsToken = getOpenFgaOptionsToken(connection);
  const registeredName = getFlushQueueName(connection);
  const queueModule = bull.BullModule.registerQueueAsync({
    name: registeredName,
    imports: [optionsModule],
    inject: [optionsToken, shared],
    useFactory: (options: ResolvedOpenFgaOptions, config?: SharedBullConfig) => {
      const own = producerSource(options, config);
      return {
        name: options.queue.name,
        prefix: flushQueueKeyPrefix(storeKeys(options.prefix, options.storeId), config?.prefix),
        ...(own ? { connection: own.connection } : {}),
        // A Cluster opened from options is ours to close; a client passed in stays open.
        ...(own && own.connection !== options.queue.connection && own.connection !== options.redis
          ? { forceDisconnectOnShutdown: true }
          : {}),
      };
    },
  });
  return {
    imports: [queueModule],
    exports: [queueModule],
    providers: [
      { provide: getBullQueueToken(connection), useExisting: bull.getQueueToken(registeredName) },
      { provide: getFlushHostToken(connection), useFactory: createFlushProcessor, inject: [optionsToken, shared] },
      { provide: bull.getSharedConfigToken(OPENFGA_BULL_CONFIG_KEY), useValue: {} },
    ],
  };
}
