import { Module } from '@nestjs/common';
import { OpenFgaHealthConfigurableModule } from './openfga-health.module-definition';
import { OpenFgaHealthIndicator } from './openfga-health.indicator';

/**
 * Provides `OpenFgaHealthIndicator`. Import it next to `TerminusModule` in the
 * module of your health controller; it finds each connection's `OpenFgaService`
 * and options by name (`connection`, default `default`), wherever its
 * `OpenFgaModule` is. Plain `OpenFgaHealthModule` uses the default thresholds;
 * `forRoot`/`forRootAsync` set others.
 *
 * @example
 * // the imports of your health module:
 * imports: [TerminusModule, OpenFgaHealthModule.forRoot({ maxPending: 5000, maxOldestAge: 120 })]
 */
@Module({
  providers: [OpenFgaHealthIndicator],
  exports: [OpenFgaHealthIndicator],
})
export class OpenFgaHealthModule extends OpenFgaHealthConfigurableModule {}
