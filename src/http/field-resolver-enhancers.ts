import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { FieldResolverEnhancer, FieldResolverEnhancersError } from './field-resolver-enhancers.error';
import { hasItems, methods } from './handler-methods';
import { firstInApp } from './once-per-app';
import { CHECKS_METADATA, RECORDS_METADATA } from './openfga-http.constants';

/*
 * What @nestjs/graphql sets, read by name so that HTTP-only apps need not
 * install it (GRAPHQL_MODULE_OPTIONS, RESOLVER_TYPE_METADATA,
 * RESOLVER_PROPERTY_METADATA and RESOLVER_REFERENCE_METADATA of its constants).
 */
const GRAPHQL_MODULE_OPTIONS = 'GqlModuleOptions';
const RESOLVER_TYPE = 'graphql:resolver_type';
const RESOLVE_FIELD = 'graphql:resolve_property';
const RESOLVE_REFERENCE = 'graphql:resolve_reference';
/** Resolvers of these types are root fields, which always run guards and interceptors. */
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/** The enhancer each of this package's decorators is. */
const NEEDS: readonly [metadata: string, decorators: string, enhancer: FieldResolverEnhancer][] = [
  [CHECKS_METADATA, '@Check', 'guards'],
  [RECORDS_METADATA, '@Grant/@Revoke', 'interceptors'],
];

/**
 * Refuses to start an app in which a GraphQL field resolver (`@ResolveField`,
 * `@ResolveReference`) carries `@Check`, `@Grant` or `@Revoke`, on itself or
 * its resolver class, while GraphQLModule's `fieldResolverEnhancers` lacks
 * `guards` (for `@Check`) or `interceptors` (for `@Grant`/`@Revoke`): Nest
 * would skip them and the field would answer anyone (fail-open). With several
 * GraphQL modules, each must name them.
 */
@Injectable()
export class FieldResolverEnhancers implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {}

  onModuleInit(): void {
    // Provided by each connection's module (and the testing module): one run per app suffices.
    if (!firstInApp(this.modules, 'field-resolver-enhancers')) return;
    const enabled = this.enabledEnhancers();
    if (enabled === undefined) return; // no GraphQL server: resolvers never run
    const problems: string[] = [];
    const missing = new Set<FieldResolverEnhancer>();
    for (const module of this.modules.values()) {
      for (const { metatype } of module.providers.values()) {
        if (typeof metatype !== 'function') continue;
        for (const [line, enhancer] of unenhancedFields(metatype as ResolverClass, enabled)) {
          problems.push(line);
          missing.add(enhancer);
        }
      }
    }
    if (problems.length > 0) throw new FieldResolverEnhancersError([...new Set(problems)], [...missing]);
  }

  /** The enhancers every GraphQL module runs on field resolvers; `undefined` when the app has no GraphQL module. */
  private enabledEnhancers(): Set<string> | undefined {
    let enabled: Set<string> | undefined;
    for (const module of this.modules.values()) {
      const wrapper = module.providers.get(GRAPHQL_MODULE_OPTIONS);
      if (!wrapper) continue;
      const listed = (wrapper.instance as { fieldResolverEnhancers?: unknown } | undefined)?.fieldResolverEnhancers;
      const own = new Set(Array.isArray(listed) ? listed.filter((e): e is string => typeof e === 'string') : []);
      enabled = enabled === undefined ? own : new Set([...enabled].filter((e) => own.has(e)));
    }
    return enabled;
  }
}

interface ResolverClass {
  name: string;
  prototype: object;
}

function unenhancedFields(resolver: ResolverClass, enabled: Set<string>): [string, FieldResolverEnhancer][] {
  const out: [string, FieldResolverEnhancer][] = [];
  for (const [name, handler] of methods(resolver.prototype)) {
    if (!isFieldResolver(resolver, handler)) continue;
    for (const [metadata, decorators, enhancer] of NEEDS) {
      const decorated = hasItems(Reflect.getMetadata(metadata, handler)) || hasItems(Reflect.getMetadata(metadata, resolver));
      if (decorated && !enabled.has(enhancer))
        out.push([`${decorators} on ${resolver.name}.${name} (a field resolver) needs '${enhancer}'`, enhancer]);
    }
  }
  return out;
}

/** As @nestjs/graphql tells them apart: a field (or federation reference) resolver of an object type, not a root field. */
function isFieldResolver(resolver: ResolverClass, handler: object): boolean {
  const field = Reflect.getMetadata(RESOLVE_FIELD, handler) === true || Reflect.getMetadata(RESOLVE_REFERENCE, handler) === true;
  if (!field) return false;
  const type: unknown = Reflect.getMetadata(RESOLVER_TYPE, handler) ?? Reflect.getMetadata(RESOLVER_TYPE, resolver);
  return !(typeof type === 'string' && ROOT_TYPES.has(type));
}
