import { Module } from '@nestjs/common';
import { OpenFgaEventEmitterBridge } from './openfga-event-emitter.bridge';
import { OpenFgaEventEmitterConfigurableModule } from './openfga-event-emitter.module-definition';

/**
 * Re-emits the events of every connection of the application (or those of
 * `connections`), with their `connection` and `storeId`, as Nest events through
 * @nestjs/event-emitter (an optional peer dependency, loaded only when this
 * module starts): `openfga.enqueued`, `openfga.flushed`, `openfga.flush.failed`,
 * `openfga.dead-lettered`, `openfga.cleared`, `openfga.cache.fills` and
 * `openfga.record.failed` by default (`DEFAULT_NEST_EVENTS`; names in
 * `OPENFGA_NEST_EVENTS`). Needs `EventEmitterModule.forRoot()` in the application.
 *
 * @example
 * @Module({ imports: [EventEmitterModule.forRoot(), OpenFgaModule.forRoot(options), OpenFgaEventEmitterModule] })
 * class AppModule {}
 *
 * @OnEvent('openfga.dead-lettered')
 * onDeadLettered({ connection, storeId, operations }: OpenFgaNestEvent<'deadLettered'>) {}
 */
@Module({
  providers: [OpenFgaEventEmitterBridge],
  exports: [OpenFgaEventEmitterBridge],
})
export class OpenFgaEventEmitterModule extends OpenFgaEventEmitterConfigurableModule {}
