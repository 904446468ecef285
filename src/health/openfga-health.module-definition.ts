import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaHealthOptions } from './openfga-health-options.interface';

/**
 * `OPENFGA_HEALTH_OPTIONS` is the injection token of the options given to
 * `OpenFgaHealthModule.forRoot()`/`forRootAsync()` (absent with the plain module).
 *
 * @example
 * constructor(@Optional() @Inject(OPENFGA_HEALTH_OPTIONS) options?: OpenFgaHealthOptions) {}
 */
export const { ConfigurableModuleClass: OpenFgaHealthConfigurableModule, MODULE_OPTIONS_TOKEN: OPENFGA_HEALTH_OPTIONS } =
  new ConfigurableModuleBuilder<OpenFgaHealthOptions>({ moduleName: 'OpenFgaHealth' }).setClassMethodName('forRoot').build();
