// Observability: the event hub and what subscribes to it (Prometheus metrics, OpenTelemetry spans, Nest events).
// prom-client, @opentelemetry/api and @nestjs/event-emitter are loaded only when their module starts.
export { OpenFgaEvents } from '../events/openfga-events';
export type { OpenFgaEventMap, OpenFgaEventName } from '../events/openfga-events';
export { OpenFgaMetricsModule } from './openfga-metrics.module';
export { OpenFgaMetrics } from './openfga-metrics';
export { OPENFGA_METRICS_OPTIONS } from './openfga-metrics.module-definition';
export { DEFAULT_METRICS_BUCKETS, DEFAULT_METRICS_PREFIX, OPENFGA_METRICS } from './openfga-metrics-options.interface';
export type {
  OpenFgaMetricKey,
  OpenFgaMetricsBuckets,
  OpenFgaMetricsOptions,
  OpenFgaMetricsRegistry,
} from './openfga-metrics-options.interface';
export { OpenFgaTracingModule } from './openfga-tracing.module';
export { OpenFgaTracing } from './openfga-tracing';
export { OPENFGA_TRACING_OPTIONS } from './openfga-tracing.module-definition';
export { OPENFGA_SPANS, OPENFGA_SPAN_ATTRIBUTES } from './openfga-tracing-options.interface';
export type { OpenFgaTracerProvider, OpenFgaTracingOptions } from './openfga-tracing-options.interface';
export { OpenFgaEventEmitterModule } from './openfga-event-emitter.module';
export { OpenFgaEventEmitterBridge } from './openfga-event-emitter.bridge';
export { OPENFGA_EVENT_EMITTER_OPTIONS } from './openfga-event-emitter.module-definition';
export { DEFAULT_NEST_EVENTS, OPENFGA_NEST_EVENTS } from './openfga-event-emitter-options.interface';
export type { OpenFgaEventEmitterOptions, OpenFgaNestEvent } from './openfga-event-emitter-options.interface';
