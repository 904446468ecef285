import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { OpenFgaEventEmitterOptions } from './openfga-event-emitter-options.interface';

/**
 * `OPENFGA_EVENT_EMITTER_OPTIONS` is the injection token of the options given to
 * `OpenFgaEventEmitterModule.forRoot()`/`forRootAsync()` (absent with the plain module).
 *
 * @example
 * constructor(@Optional() @Inject(OPENFGA_EVENT_EMITTER_OPTIONS) options?: OpenFgaEventEmitterOptions) {}
 */
export const { ConfigurableModuleClass: OpenFgaEventEmitterConfigurableModule, MODULE_OPTIONS_TOKEN: OPENFGA_EVENT_EMITTER_OPTIONS } =
  new ConfigurableModuleBuilder<OpenFgaEventEmitterOptions>({ moduleName: 'OpenFgaEventEmitter' }).setClassMethodName('forRoot').build();
