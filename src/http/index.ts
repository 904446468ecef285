// The HTTP layer's public surface (re-exported by the package's index).
export { Check } from './check.decorator';
export type { CheckDecoratorOptions } from './check.decorator';
export type { CheckContextTemplate, ContextualTupleTemplate, ContextualTuplesTemplate, PreparedCheckExtras } from './check-extras-template';
export { CheckMode } from './check-mode.decorator';
export { Grant } from './grant.decorator';
export { Revoke } from './revoke.decorator';
export type { GrantCondition, GrantDecoratorOptions, RecordDecoratorOptions } from './tuple-record.decorator';
export { OpenFgaGuard } from './openfga.guard';
export type { CheckGroup } from './openfga.guard';
export { RecordTuplesInterceptor } from './record-tuples.interceptor';
export { OpenFgaExceptionFilter, openFgaHttpException } from './openfga-exception.filter';
export type { OpenFgaFilteredError } from './openfga-exception.filter';
export { CONSISTENCY_TOKEN_HEADER } from './openfga-http.constants';
export type {
  PreparedTemplate,
  RequestTemplate,
  ResolverArgs,
  ResultTemplate,
  TemplateContext,
  TemplateField,
  TemplateSource,
  TemplateValue,
} from './object-template';
export type { CheckRequirement, TupleRecordRequirement } from './requirements';
export { InvalidTemplateError } from './invalid-template.error';
export { TemplateResolutionError } from './template-resolution.error';
export { InvalidDecoratorError } from './decorator-validation/invalid-decorator.error';
export { UnknownConnectionError } from './decorator-validation/unknown-connection.error';
export { MissingConnectionError } from './missing-connection.error';
export { GuardOrderError } from './decorator-validation/guard-order.error';
export { UnsupportedContextError } from './unsupported-context.error';
export { FieldResolverEnhancersError } from './field-resolver-enhancers.error';
export type { FieldResolverEnhancer } from './field-resolver-enhancers.error';
