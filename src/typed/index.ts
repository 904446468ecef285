export type { ModelConditionalTuple, ModelObject, ModelObjectType, ModelRelation, ModelTuple } from './model-types';
export { typedOpenFga } from './typed-service';
export type { TypedOpenFgaService } from './typed-service';
export { openFgaDecorators } from './typed-decorators';
export type { TypedDecorators, TypedObjectTemplate } from './typed-decorators';
