import { Module } from '@nestjs/common';
import { OpenFgaMetrics } from './openfga-metrics';
import { OpenFgaMetricsConfigurableModule } from './openfga-metrics.module-definition';

/**
 * Prometheus metrics for every connection of the application (`OpenFgaModule.forRoot`,
 * named or not), through prom-client (an optional peer dependency, loaded only
 * when this module starts). Import it once: each connection is a `connection`
 * label (with its `store`) on the same metrics; `connections` limits which.
 * Registers on prom-client's global `register` unless given a `registry`;
 * expose that registry on your metrics route as usual. Plain
 * `OpenFgaMetricsModule` uses the defaults; `forRoot`/`forRootAsync` set options.
 *
 * @example
 * @Module({
 *   imports: [OpenFgaModule.forRoot(options), OpenFgaMetricsModule.forRoot({ registry })],
 * })
 * class AppModule {}
 * // then: await registry.metrics() → 'nestjs_openfga_pending_operations{connection="default",store="01H…",operation="grant"} 3 ...'
 */
@Module({
  providers: [OpenFgaMetrics],
  exports: [OpenFgaMetrics],
})
export class OpenFgaMetricsModule extends OpenFgaMetricsConfigurableModule {}
