import type { Type } from '@nestjs/common';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { CHECKS_METADATA, RECORDS_METADATA } from '../openfga-http.constants';
import type { CheckRequirement, TupleRecordRequirement } from '../requirements';
import type { DecoratorDeclaration } from './decorator-declaration';

/**
 * Every `@Check`, `@Grant` and `@Revoke` on the application's controllers and
 * providers (GraphQL resolvers are providers), on classes and on methods.
 */
export function findDeclarations(discovery: DiscoveryService, scanner: MetadataScanner, reflector: Reflector): DecoratorDeclaration[] {
  const classes = new Set<Type<unknown>>();
  for (const wrapper of [...discovery.getControllers(), ...discovery.getProviders()]) {
    // Value and factory providers have no class of their own to carry decorators.
    if (wrapper.isNotMetatype || typeof wrapper.metatype !== 'function') continue;
    classes.add(wrapper.metatype as Type<unknown>);
  }
  const found: DecoratorDeclaration[] = [];
  for (const cls of classes) {
    found.push(...declarationsOn(reflector, cls, cls.name));
    const prototype = cls.prototype as Record<string, unknown> | undefined;
    if (!prototype) continue;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[method];
      if (typeof handler === 'function') found.push(...declarationsOn(reflector, handler, `${cls.name}.${method}`));
    }
  }
  return found;
}

/** Inherited too, as the guard and the interceptor read them: a subclass controller carries its base class's decorators. */
function declarationsOn(reflector: Reflector, target: Parameters<Reflector['get']>[1], where: string): DecoratorDeclaration[] {
  const checks = reflector.get<CheckRequirement[] | undefined>(CHECKS_METADATA, target) ?? [];
  const records = reflector.get<TupleRecordRequirement[] | undefined>(RECORDS_METADATA, target) ?? [];
  const connection = (r: { connection?: string }) => (r.connection === undefined ? {} : { connection: r.connection });
  return [
    ...checks.map((c): DecoratorDeclaration => ({
      where,
      decorator: '@Check',
      relation: c.relation,
      object: c.object,
      user: c.user,
      ...connection(c),
    })),
    ...records.map((r): DecoratorDeclaration => ({
      where,
      decorator: r.kind === 'grant' ? '@Grant' : '@Revoke',
      relation: r.relation,
      object: r.object,
      user: r.user,
      ...(r.condition === undefined ? {} : { condition: typeof r.condition === 'function' ? 'computed' : { name: r.condition.name } }),
      ...connection(r),
    })),
  ];
}
