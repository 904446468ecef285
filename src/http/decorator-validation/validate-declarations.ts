import type { LoggerService } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { isDefaultConnection } from '../../connection/connection-tokens';
import { connectionOf } from '../declared-connection';
import { checkDeclarations } from './check-declarations';
import { findDeclarations } from './find-declarations';
import { InvalidDecoratorError } from './invalid-decorator.error';
import type { ModelNames } from './model-names';

/** The model to check against, or why there is none (logged as a warning, and the check skipped). */
export type ModelForValidation = { model: ModelNames } | { unavailable: string };

/**
 * Finds every `@Check`/`@Grant`/`@Revoke` of the application (of `connection`
 * only, when given: unset in a decorator is the default one) and throws
 * `InvalidDecoratorError` listing each name the model lacks. Shared by
 * `OpenFgaModule` (the model read at start) and `OpenFgaTestingModule` (the fake's `model`).
 */
export function validateDeclarations(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
  model: () => ModelForValidation,
  logger: Pick<LoggerService, 'warn'>,
  connection?: string,
): void {
  const all = findDeclarations(discovery, scanner, reflector);
  const declarations = connection === undefined ? all : all.filter((d) => connectionOf(d) === connection);
  if (declarations.length === 0) return;
  const found = model();
  if ('unavailable' in found) {
    const which = isDefaultConnection(connection) ? '' : ` of connection "${connection}"`;
    logger.warn(`@Check/@Grant/@Revoke${which} were not checked against the authorization model: ${found.unavailable}`);
    return;
  }
  const problems = checkDeclarations(declarations, found.model);
  if (problems.length > 0) throw new InvalidDecoratorError(problems, found.model.modelId, connection);
}
