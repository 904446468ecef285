export * from './relation-graph';
export { InvalidModelError } from './invalid-model.error';
export { renderModelTypes } from './model-types-source';
export type { ModelDefinitions, ModelTypesSourceOptions } from './model-types-source';
