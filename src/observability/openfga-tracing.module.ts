import { Module } from '@nestjs/common';
import { OpenFgaTracing } from './openfga-tracing';
import { OpenFgaTracingConfigurableModule } from './openfga-tracing.module-definition';

/**
 * OpenTelemetry spans for every connection of the application (or those of
 * `connections`): grant/revoke, check, flush and each OpenFGA request, with
 * the `openfga.connection` and `openfga.store_id` attributes, through
 * @opentelemetry/api (an optional peer dependency, loaded only when this
 * module starts). Spans go to the
 * global tracer provider your OpenTelemetry SDK registered, or to
 * `tracerProvider`. Plain `OpenFgaTracingModule` uses the defaults.
 *
 * @example
 * @Module({ imports: [OpenFgaModule.forRoot(options), OpenFgaTracingModule.forRoot({ tracerName: 'authz' })] })
 * class AppModule {}
 */
@Module({
  providers: [OpenFgaTracing],
  exports: [OpenFgaTracing],
})
export class OpenFgaTracingModule extends OpenFgaTracingConfigurableModule {}
