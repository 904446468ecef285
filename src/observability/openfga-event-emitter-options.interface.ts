import type { OpenFgaEventMap, OpenFgaEventName } from '../events/openfga-events';

/**
 * The Nest event name of each event of the hub, for `@OnEvent(...)`. With
 * EventEmitter2's `wildcard: true`, `openfga.**` matches all of them
 * (`openfga.*` misses the three-part names).
 *
 * @example
 * @OnEvent(OPENFGA_NEST_EVENTS.deadLettered)
 * onDeadLettered(event: OpenFgaNestEvent<'deadLettered'>) { this.alerts.raise(event.operations.length); }
 */
export const OPENFGA_NEST_EVENTS = {
  enqueued: 'openfga.enqueued',
  settled: 'openfga.settled',
  deadLettered: 'openfga.dead-lettered',
  flushed: 'openfga.flushed',
  flushFailed: 'openfga.flush.failed',
  cleared: 'openfga.cleared',
  checked: 'openfga.checked',
  request: 'openfga.request',
  changeFeedApplied: 'openfga.change-feed.applied',
  cacheFills: 'openfga.cache.fills',
  recordFailed: 'openfga.record.failed',
} as const satisfies Record<OpenFgaEventName, string>;

/**
 * The payload of a Nest event: the hub's payload (see `OpenFgaEventMap`) and the connection and store it concerns.
 *
 * @example
 * @OnEvent('openfga.flushed')
 * onFlushed({ connection, storeId, writes, deletes, durationMs }: OpenFgaNestEvent<'flushed'>) {}
 */
export type OpenFgaNestEvent<E extends OpenFgaEventName> = OpenFgaEventMap[E] & {
  /** The connection that emitted the event: `default`, or the `name` given to `OpenFgaModule.forRoot`. */
  connection: string;
  /** The OpenFGA store of that connection. */
  storeId: string;
};

/**
 * The events re-emitted when `events` is not set: the operational ones, not one per check or request.
 *
 * @example
 * OpenFgaEventEmitterModule.forRoot({ events: [...DEFAULT_NEST_EVENTS, 'settled'] })
 */
export const DEFAULT_NEST_EVENTS: readonly OpenFgaEventName[] = [
  'enqueued',
  'flushed',
  'flushFailed',
  'deadLettered',
  'cleared',
  'cacheFills',
  'recordFailed',
];

/**
 * Options of `OpenFgaEventEmitterModule.forRoot()`.
 *
 * @example
 * OpenFgaEventEmitterModule.forRoot({ events: [...DEFAULT_NEST_EVENTS, 'changeFeedApplied'] })
 */
export interface OpenFgaEventEmitterOptions {
  /**
   * Which hub events to re-emit (by hub name, e.g. `flushFailed`). Default `DEFAULT_NEST_EVENTS`:
   * enqueued, flushed, flushFailed, deadLettered, cleared, cacheFills, recordFailed. `checked` and `request` fire on every check
   * and OpenFGA call: enable them only if a listener needs them.
   */
  events?: readonly OpenFgaEventName[];
  /** The connections whose events to re-emit (`default` and the `name`s given to `OpenFgaModule.forRoot`). Default: all of them. */
  connections?: readonly string[];
}
