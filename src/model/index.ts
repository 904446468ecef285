export * from './relation-graph';
export { InvalidModelError } from './invalid-model.error';
