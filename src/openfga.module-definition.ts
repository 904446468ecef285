import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaModuleOptions } from './options/openfga-options.interface';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<OpenFgaModuleOptions>({
    moduleName: 'OpenFga',
  })
    .setClassMethodName('forRoot')
    // bullQueue: register the flush queue through @nestjs/bullmq (forRoot: whenever queue.enabled; forRootAsync: set it with queue mode).
    // name: a named connection (its own store, buffer, flusher and queue), injected with @InjectOpenFga(name).
    .setExtras(
      { isGlobal: true, bullQueue: undefined as boolean | undefined, name: undefined as string | undefined },
      (definition, extras) => ({
        ...definition,
        global: extras.isGlobal,
      }),
    )
    .build();
