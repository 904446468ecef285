/**
 * Thrown at start-up when `OpenFgaEventEmitterModule` is imported but
 * @nestjs/event-emitter's `EventEmitter2` cannot be found in the application.
 *
 * @example
 * // fix: imports: [EventEmitterModule.forRoot(), OpenFgaModule.forRoot(options), OpenFgaEventEmitterModule]
 */
export class EventEmitterModuleMissingError extends Error {
  override readonly name = 'EventEmitterModuleMissingError';

  constructor(cause?: unknown) {
    super(
      'OpenFgaEventEmitterModule re-emits its events through @nestjs/event-emitter: add `EventEmitterModule.forRoot()` ' +
        'to the imports of your application module (or remove OpenFgaEventEmitterModule)',
      { cause },
    );
  }
}
