import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaTracingOptions } from './openfga-tracing-options.interface';

/**
 * `OPENFGA_TRACING_OPTIONS` is the injection token of the options given to
 * `OpenFgaTracingModule.forRoot()`/`forRootAsync()` (absent with the plain module).
 *
 * @example
 * constructor(@Optional() @Inject(OPENFGA_TRACING_OPTIONS) options?: OpenFgaTracingOptions) {}
 */
export const { ConfigurableModuleClass: OpenFgaTracingConfigurableModule, MODULE_OPTIONS_TOKEN: OPENFGA_TRACING_OPTIONS } =
  new ConfigurableModuleBuilder<OpenFgaTracingOptions>({ moduleName: 'OpenFgaTracing' }).setClassMethodName('forRoot').build();
