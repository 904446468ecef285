import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaModuleOptions } from './options/openfga-options.interface';

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<OpenFgaModuleOptions>({
    moduleName: 'OpenFga',
  })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
