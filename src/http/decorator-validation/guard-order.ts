import { GUARDS_METADATA } from '@nestjs/common/constants';
import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { OpenFgaGuard } from '../openfga.guard';
import { GuardOrderError } from './guard-order.error';

/**
 * Refuses start-up when `@Check`'s guard comes before another guard of the
 * same handler or class. Nest runs a level's guards in the order their
 * decorators were applied (bottom-up), so `@UseGuards(JwtAuthGuard)` written
 * above `@Check` runs after it: no user yet, 401 for everyone. Class-level
 * and global guards run before a handler's, so they are never a problem.
 */
export function assertGuardOrder(discovery: DiscoveryService, scanner: MetadataScanner): void {
  const problems: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const cls = wrapper.metatype;
    if (wrapper.isNotMetatype || typeof cls !== 'function') continue;
    const after = (target: object) => guardsAfterCheck(target);
    problems.push(...after(cls).map((g) => `${cls.name} (class): ${g} is listed after @Check`));
    const prototype = cls.prototype as Record<string, unknown> | undefined;
    if (!prototype) continue;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[method];
      if (typeof handler !== 'function') continue;
      problems.push(...after(handler).map((g) => `${cls.name}.${method}: ${g} is listed after @Check`));
    }
  }
  if (problems.length > 0) throw new GuardOrderError(problems);
}

function guardsAfterCheck(target: object): string[] {
  const guards = (Reflect.getOwnMetadata(GUARDS_METADATA, target) as unknown[] | undefined) ?? [];
  const at = guards.indexOf(OpenFgaGuard);
  if (at < 0) return [];
  return guards.slice(at + 1).map((g) => (typeof g === 'function' ? g.name || 'a guard' : (g as object).constructor?.name || 'a guard'));
}
