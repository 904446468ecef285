import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaMetricsOptions } from './openfga-metrics-options.interface';

/**
 * `OPENFGA_METRICS_OPTIONS` is the injection token of the options given to
 * `OpenFgaMetricsModule.forRoot()`/`forRootAsync()` (absent with the plain module).
 *
 * @example
 * constructor(@Optional() @Inject(OPENFGA_METRICS_OPTIONS) options?: OpenFgaMetricsOptions) {}
 */
export const { ConfigurableModuleClass: OpenFgaMetricsConfigurableModule, MODULE_OPTIONS_TOKEN: OPENFGA_METRICS_OPTIONS } =
  new ConfigurableModuleBuilder<OpenFgaMetricsOptions>({ moduleName: 'OpenFgaMetrics' }).setClassMethodName('forRoot').build();
