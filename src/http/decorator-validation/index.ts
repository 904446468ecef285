export { DecoratorValidator } from './decorator-validator';
export { InvalidDecoratorError } from './invalid-decorator.error';
export { UnknownConnectionError } from './unknown-connection.error';
export { checkDeclarations } from './check-declarations';
export type { DecoratorDeclaration } from './decorator-declaration';
export type { ModelNames } from './model-names';
export { validateDeclarations } from './validate-declarations';
export type { ModelForValidation } from './validate-declarations';
