export { OpenFgaHealthIndicator } from './openfga-health.indicator';
export type { OpenFgaHealthDetails, OpenFgaHealthIndicatorResult } from './openfga-health.indicator';
export { OpenFgaHealthModule } from './openfga-health.module';
export { OPENFGA_HEALTH_OPTIONS } from './openfga-health.module-definition';
export { DEFAULT_HEALTH_OPTIONS } from './openfga-health-options.interface';
export type { OpenFgaHealthOptions } from './openfga-health-options.interface';
