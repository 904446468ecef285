import type { LoggerService } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { checkDeclarations } from './check-declarations';
import { findDeclarations } from './find-declarations';
import { InvalidDecoratorError } from './invalid-decorator.error';
import type { ModelNames } from './model-names';

/** The model to check against, or why there is none (logged as a warning, and the check skipped). */
export type ModelForValidation = { model: ModelNames } | { unavailable: string };

/**
 * Finds every `@Check`/`@Grant`/`@Revoke` of the application and throws
 * `InvalidDecoratorError` listing each name the model lacks. Shared by
 * `OpenFgaModule` (the model read at start) and `OpenFgaTestingModule` (the fake's `model`).
 */
export function validateDeclarations(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
  model: () => ModelForValidation,
  logger: Pick<LoggerService, 'warn'>,
): void {
  const declarations = findDeclarations(discovery, scanner, reflector);
  if (declarations.length === 0) return;
  const found = model();
  if ('unavailable' in found) {
    logger.warn(`@Check/@Grant/@Revoke were not checked against the authorization model: ${found.unavailable}`);
    return;
  }
  const problems = checkDeclarations(declarations, found.model);
  if (problems.length > 0) throw new InvalidDecoratorError(problems, found.model.modelId);
}
