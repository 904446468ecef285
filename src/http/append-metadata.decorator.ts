import type { CanActivate, NestInterceptor, Type } from '@nestjs/common';
import { UseGuards, UseInterceptors } from '@nestjs/common';

/**
 * The metadata keys `@UseGuards`/`@UseInterceptors` write (and `@Sse`). Nest exports them
 * only from the deep path `@nestjs/common/constants`, which is not public API
 * (Nest 12 is ESM with an `exports` map); the values have been the same since
 * Nest 5 (`@Sse`: 7), and test/unit/http/append-metadata.spec.ts checks that
 * `@UseGuards`/`@UseInterceptors`/`@Sse` write these keys.
 */
export const GUARDS_METADATA = '__guards__';
export const INTERCEPTORS_METADATA = '__interceptors__';
export const SSE_METADATA = '__sse__';

type Target = object | ((...args: never[]) => unknown);

function metadataTarget(target: object, descriptor?: PropertyDescriptor): Target {
  return descriptor ? (descriptor.value as Target) : target;
}

/**
 * Adds `item` to an array of metadata on a class or method without mutating
 * an inherited array. Decorators apply bottom-up, so prepending keeps the
 * list in the order the decorators are written.
 */
export function prependMetadata<T>(key: string, item: T): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const where = metadataTarget(target, descriptor);
    const previous = (Reflect.getMetadata(key, where) as T[] | undefined) ?? [];
    Reflect.defineMetadata(key, [item, ...previous], where);
  };
}

/** `UseGuards(guard)` unless this class or method already has it, so two `@Check` do not run the guard twice. */
export function useGuardOnce(guard: Type<CanActivate>): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const own = Reflect.getOwnMetadata(GUARDS_METADATA, metadataTarget(target, descriptor)) as unknown[] | undefined;
    if (own?.includes(guard)) return;
    if (descriptor) UseGuards(guard)(target, key as string | symbol, descriptor);
    else UseGuards(guard)(target as Type<unknown>);
  };
}

/** `UseInterceptors(interceptor)` unless this class or method already has it. */
export function useInterceptorOnce(interceptor: Type<NestInterceptor>): ClassDecorator & MethodDecorator {
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const own = Reflect.getOwnMetadata(INTERCEPTORS_METADATA, metadataTarget(target, descriptor)) as unknown[] | undefined;
    if (own?.includes(interceptor)) return;
    if (descriptor) UseInterceptors(interceptor)(target, key as string | symbol, descriptor);
    else UseInterceptors(interceptor)(target as Type<unknown>);
  };
}
