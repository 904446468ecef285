import { Injectable, OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { SSE_METADATA } from './append-metadata.decorator';
import { hasItems, methods } from './handler-methods';
import { firstInApp } from './once-per-app';
import { CHECKS_METADATA, RECORDS_METADATA } from './openfga-http.constants';
import { sseRecordError, UnsupportedContextError } from './unsupported-context.error';

/** What `@MessagePattern`/`@EventPattern` of @nestjs/microservices set on a handler (read by name: the package is not needed). */
const MICROSERVICE_PATTERN_METADATA = 'microservices:pattern';

/**
 * Refuses to start an app in which a microservice handler carries `@Check`,
 * `@Grant` or `@Revoke`, or an `@Sse` route `@Grant` or `@Revoke` (on itself
 * or its controller class): they could only fail on every call. Calls that get
 * past this (a WebSocket gateway, a custom transport, an app without
 * OpenFgaModule) still fail per call.
 */
@Injectable()
export class UnsupportedHandlers implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {}

  onModuleInit(): void {
    // Provided by each connection's module (and the testing module): one run per app suffices.
    if (!firstInApp(this.modules, 'unsupported-handlers')) return;
    for (const module of this.modules.values()) {
      for (const { metatype } of module.controllers.values()) {
        if (typeof metatype === 'function') refuseUnsupportedHandlers(metatype as { name: string; prototype: object });
      }
    }
  }
}

function refuseUnsupportedHandlers(controller: { name: string; prototype: object }): void {
  for (const [name, handler] of methods(controller.prototype)) {
    const has = (key: string) => hasItems(Reflect.getMetadata(key, handler)) || hasItems(Reflect.getMetadata(key, controller));
    if (Reflect.getMetadata(SSE_METADATA, handler) === true && has(RECORDS_METADATA)) throw sseRecordError(`${controller.name}.${name}`);
    if (Reflect.getMetadata(MICROSERVICE_PATTERN_METADATA, handler) === undefined) continue;
    const decorators = [has(CHECKS_METADATA) ? '@Check' : '', has(RECORDS_METADATA) ? '@Grant/@Revoke' : ''].filter(Boolean);
    if (decorators.length > 0) throw new UnsupportedContextError('rpc', `${controller.name}.${name}`, decorators.join(' and '));
  }
}
