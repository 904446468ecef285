import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency.error';
import { loadOptionalPeer } from './load-optional-peer';
import { resolveConnections, validateConnectionsOption } from '../connection/app-connections';
import { OPENFGA_EVENT_EMITTER_OPTIONS } from './openfga-event-emitter.module-definition';
import { DEFAULT_NEST_EVENTS, OPENFGA_NEST_EVENTS, OpenFgaEventEmitterOptions } from './openfga-event-emitter-options.interface';
import type { OpenFgaEventMap, OpenFgaEventName, OpenFgaEvents } from '../events/openfga-events';
import { InvalidOptionsError } from '../options/invalid-options.error';

type EventEmitterPackage = typeof import('@nestjs/event-emitter');

/**
 * Re-emits the hub events of every connection (or those of `connections`)
 * through @nestjs/event-emitter (loaded only when this class is created)
 * under the names of `OPENFGA_NEST_EVENTS`, each payload with its
 * `connection` and `storeId` added. Listeners are called synchronously
 * inside the grant, flush or clear that caused them (up to their first
 * `await`); declare them `@OnEvent(name, { async: true })` to run them later.
 * A failing listener never breaks the operation: @nestjs/event-emitter logs
 * it, or with `suppressErrors: false` this bridge logs it.
 *
 * @example
 * @Injectable()
 * class AuthzAlerts {
 *   @OnEvent('openfga.flush.failed')
 *   onFlushFailed({ connection, storeId, failed, error }: OpenFgaNestEvent<'flushFailed'>) { ... }
 * }
 */
@Injectable()
export class OpenFgaEventEmitterBridge implements OnModuleInit, OnApplicationShutdown {
  /** The hub events re-emitted. */
  readonly events: readonly OpenFgaEventName[];
  private readonly requested?: readonly string[];
  private readonly logger = new Logger('OpenFgaEventEmitter');
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
    @Optional() @Inject(OPENFGA_EVENT_EMITTER_OPTIONS) options: OpenFgaEventEmitterOptions = {},
  ) {
    this.events = validateEventEmitterOptions(options);
    this.requested = options.connections;
  }

  /** Finds the application's `EventEmitter2` and subscribes to the hub. */
  onModuleInit(): void {
    if (this.unsubscribe.length > 0) return;
    const pkg = loadOptionalPeer<EventEmitterPackage>('@nestjs/event-emitter', 'OpenFgaEventEmitterModule');
    let emitter: EventEmitter2;
    try {
      emitter = this.moduleRef.get(pkg.EventEmitter2, { strict: false });
    } catch (err) {
      throw new MissingPeerDependencyError(
        '@nestjs/event-emitter',
        'OpenFgaEventEmitterModule',
        'add `EventEmitterModule.forRoot()` to the imports of your application module (or remove OpenFgaEventEmitterModule)',
        err,
      );
    }
    for (const { name: connection, service, options } of resolveConnections(
      this.moduleRef,
      this.modules,
      this.requested,
      'OpenFgaEventEmitterModule',
    )) {
      const hub = service.events as OpenFgaEvents | undefined;
      if (hub) this.bridge(emitter, hub, connection, options.storeId);
    }
  }

  private bridge(emitter: EventEmitter2, hub: OpenFgaEvents, connection: string, storeId: string): void {
    for (const event of this.events) {
      const name = OPENFGA_NEST_EVENTS[event];
      this.unsubscribe.push(
        hub.on(event, (payload: OpenFgaEventMap[OpenFgaEventName]) => {
          // emitAsync: Nest runs @OnEvent handlers as async functions, so a failing one (suppressErrors: false)
          // rejects; caught here, it is logged instead of crashing the process as an unhandled rejection.
          emitter.emitAsync(name, { ...payload, connection, storeId }).catch((err: unknown) => {
            this.logger.warn({ message: 'An event listener failed', event: name, connection, storeId, reason: errorMessage(err) });
          });
        }),
      );
    }
  }

  /** Unsubscribes (after the shutdown flush was reported). */
  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

const OWNER = 'OpenFgaEventEmitter';

function validateEventEmitterOptions(options: unknown): readonly OpenFgaEventName[] {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('', 'an object', options, OWNER);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'events' && key !== 'connections') {
      throw new InvalidOptionsError(key, 'one of the known options (events, connections)', 'an unknown option', OWNER);
    }
  }
  const { events = DEFAULT_NEST_EVENTS, connections } = options as OpenFgaEventEmitterOptions;
  validateConnectionsOption(connections, 'OpenFgaEventEmitter');
  if (!Array.isArray(events)) throw new InvalidOptionsError('events', 'an array of event names', events, OWNER);
  const known = Object.keys(OPENFGA_NEST_EVENTS);
  for (const event of events) {
    if (!known.includes(event)) {
      throw new InvalidOptionsError('events', `an array of event names (${known.join(', ')})`, event, OWNER);
    }
  }
  return [...new Set(events)];
}
