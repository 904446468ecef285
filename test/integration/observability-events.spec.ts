/**
 * Events for enqueued / flushed / failed / dead-lettered (and
 * cleared) as Nest events through @nestjs/event-emitter, on the real Redis
 * and OpenFGA: a real EventEmitterModule and `@OnEvent` listeners.
 */
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test, TestingModule } from '@nestjs/testing';
import {
  MissingPeerDependencyError,
  OPENFGA_NEST_EVENTS,
  OpenFgaEventEmitterModule,
  OpenFgaEventEmitterOptions,
  OpenFgaModule,
  OpenFgaModuleOptions,
  OpenFgaNestEvent,
  OpenFgaService,
} from '../../src';
import { OpenFgaTestingModule } from '../../src/testing';
import { freshStore, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import { freePort } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';

type Received = { name: string; payload: object };

@Injectable()
class Listeners {
  readonly received: Received[] = [];
  readonly later: Received[] = [];

  @OnEvent('openfga.enqueued')
  onEnqueued(e: OpenFgaNestEvent<'enqueued'>) {
    this.received.push({ name: 'openfga.enqueued', payload: e });
  }
  @OnEvent('openfga.flushed')
  onFlushed(e: OpenFgaNestEvent<'flushed'>) {
    this.received.push({ name: 'openfga.flushed', payload: e });
  }
  @OnEvent('openfga.flush.failed')
  onFlushFailed(e: OpenFgaNestEvent<'flushFailed'>) {
    this.received.push({ name: 'openfga.flush.failed', payload: e });
  }
  @OnEvent('openfga.dead-lettered')
  onDeadLettered(e: OpenFgaNestEvent<'deadLettered'>) {
    this.received.push({ name: 'openfga.dead-lettered', payload: e });
  }
  @OnEvent('openfga.cleared')
  onCleared(e: OpenFgaNestEvent<'cleared'>) {
    this.received.push({ name: 'openfga.cleared', payload: e });
  }
  @OnEvent('openfga.checked')
  onChecked(e: OpenFgaNestEvent<'checked'>) {
    this.received.push({ name: 'openfga.checked', payload: e });
  }
  @OnEvent(OPENFGA_NEST_EVENTS.flushed, { async: true })
  async onFlushedLater(e: OpenFgaNestEvent<'flushed'>) {
    await new Promise((r) => setTimeout(r, 10));
    this.later.push({ name: 'openfga.flushed', payload: e });
  }
  @OnEvent('openfga.enqueued', { suppressErrors: false })
  onEnqueuedThrowing() {
    throw new Error('a broken listener');
  }

  names(): string[] {
    return this.received.map((r) => r.name);
  }
}

@Injectable()
class WildcardListener {
  readonly names: string[] = [];
  /** Records each payload's keys (the listener is not told the event's name). */
  @OnEvent('openfga.**')
  onAny(payload: object) {
    this.names.push(JSON.stringify(Object.keys(payload).sort()));
  }
}

describe('OpenFgaEventEmitterModule on the real servers', () => {
  let store: TestStore;
  const apps: TestingModule[] = [];

  async function open(options: OpenFgaModuleOptions, bridge?: OpenFgaEventEmitterOptions, wildcard = false) {
    const app = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard }),
        OpenFgaModule.forRoot(options),
        bridge ? OpenFgaEventEmitterModule.forRoot(bridge) : OpenFgaEventEmitterModule,
      ],
      providers: [Listeners, WildcardListener],
    }).compile();
    apps.push(app);
    await app.init();
    return { fga: app.get(OpenFgaService), listeners: app.get(Listeners), wildcard: app.get(WildcardListener) };
  }

  beforeEach(async () => {
    store = await freshStore('events');
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
    jest.restoreAllMocks();
  });

  it('re-emits enqueued, flushed, dead-lettered and cleared with the store id; a throwing listener breaks nothing', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // A write checked against a model that changed before its flush: acknowledged, then dead-lettered.
    const { fga, listeners } = await open(testOptions(store, { changeFeed: { enabled: false }, ...(await lenientModelFirst(store)) }));
    await fixtureModelAgain(store);
    const token = await fga.grant('user:anne', 'viewer', 'document:a');
    expect(token).toEqual(expect.any(String)); // the broken listener did not break the grant
    await fga.grant('user:erin', 'no_such_relation', 'document:d');

    expect(listeners.received).toEqual([
      {
        name: 'openfga.enqueued',
        payload: {
          connection: 'default',
          storeId: store.storeId,
          operations: [{ kind: 'grant', user: 'user:anne', relation: 'viewer', object: 'document:a' }],
          seq: expect.any(Number),
          durationMs: expect.any(Number),
        },
      },
      {
        name: 'openfga.enqueued',
        payload: expect.objectContaining({
          connection: 'default',
          storeId: store.storeId,
          operations: [{ kind: 'grant', user: 'user:erin', relation: 'no_such_relation', object: 'document:d' }],
        }),
      },
    ]);
    // @OnEvent handlers run as async functions: the failure is a rejection, caught and logged (not an unhandled rejection).
    const logged = {
      message: 'An event listener failed',
      event: 'openfga.enqueued',
      connection: 'default',
      storeId: store.storeId,
      reason: 'a broken listener',
    };
    await eventually(
      'the failing listener was logged',
      async () => warn.mock.calls.some(([entry]) => JSON.stringify(entry) === JSON.stringify(logged)) || undefined,
    );

    listeners.received.splice(0);
    const result = await fga.flush();
    expect(result).toMatchObject({ writes: 1, deadLettered: 1 });
    expect(listeners.names()).toEqual(['openfga.dead-lettered', 'openfga.flushed']);
    const [dead, flushed] = listeners.received.map((r) => r.payload);
    expect(dead).toEqual({
      connection: 'default',
      storeId: store.storeId,
      operations: [{ operation: { key: expect.any(String) }, reason: expect.stringMatching(/no_such_relation/) }],
    });
    expect(flushed).toEqual({
      connection: 'default',
      storeId: store.storeId,
      mode: 'inline',
      writes: 1,
      deletes: 0,
      failed: 0,
      deadLettered: 1,
      durationMs: expect.any(Number),
    });
    await eventually('the async listener ran', async () => listeners.later.length === 1 || undefined);

    listeners.received.splice(0);
    await fga.grant('user:fay', 'viewer', 'document:e');
    listeners.received.splice(0);
    expect(await fga.clear()).toBe(1);
    expect(listeners.received).toEqual([{ name: 'openfga.cleared', payload: { connection: 'default', storeId: store.storeId, count: 1 } }]);

    listeners.received.splice(0);
    expect(await fga.check('user:anne', 'viewer', 'document:a')).toBe(true);
    expect(listeners.received).toEqual([]); // `checked` is not re-emitted by default
  });

  it('re-emits openfga.flush.failed when a flush leaves operations buffered (OpenFGA unreachable)', async () => {
    const { fga, listeners } = await open(
      testOptions(store, { apiUrl: `http://127.0.0.1:${await freePort()}`, requestTimeout: 0.5, changeFeed: { enabled: false } }),
    );
    await fga.grant('user:anne', 'viewer', 'document:a');
    listeners.received.splice(0);
    expect((await fga.flush()).failed).toBe(1);
    expect(listeners.names()).toEqual(['openfga.flushed', 'openfga.flush.failed']);
    expect(listeners.received[1].payload).toEqual({
      connection: 'default',
      storeId: store.storeId,
      failed: 1,
      error: expect.stringMatching(/ECONNREFUSED|connect/i),
    });
  });

  it('re-emits only the events asked for', async () => {
    const { fga, listeners } = await open(testOptions(store, { changeFeed: { enabled: false } }), { events: ['checked'] });
    await fga.grant('user:anne', 'viewer', 'document:a');
    expect(await fga.check('user:anne', 'viewer', 'document:a')).toBe(true);
    expect(listeners.received).toEqual([
      {
        name: 'openfga.checked',
        payload: {
          connection: 'default',
          storeId: store.storeId,
          source: expect.stringMatching(/^(buffer|cache|openfga)$/),
          allowed: true,
          durationMs: expect.any(Number),
          consistency: 'minimize-latency',
        },
      },
    ]);
  });

  it('reaches wildcard listeners (openfga.**) when the emitter has wildcards on', async () => {
    const { fga, wildcard } = await open(testOptions(store, { changeFeed: { enabled: false } }), undefined, true);
    await fga.grant('user:anne', 'viewer', 'document:a');
    await fga.flush();
    expect(wildcard.names).toEqual([
      JSON.stringify(['connection', 'durationMs', 'operations', 'seq', 'storeId']),
      JSON.stringify(['connection', 'deadLettered', 'deletes', 'durationMs', 'failed', 'mode', 'storeId', 'writes']),
    ]);
  });

  it('fails at start-up, saying what to import, without EventEmitterModule; rejects unknown events', async () => {
    await expect(
      Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), OpenFgaEventEmitterModule] })
        .compile()
        .then((app) => app.init()),
    ).rejects.toThrow(/EventEmitterModule\.forRoot\(\)/);
    await expect(
      Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), OpenFgaEventEmitterModule] })
        .compile()
        .then((app) => app.init()),
    ).rejects.toBeInstanceOf(MissingPeerDependencyError);
    await expect(
      Test.createTestingModule({
        imports: [
          EventEmitterModule.forRoot(),
          OpenFgaTestingModule.forRoot(),
          OpenFgaEventEmitterModule.forRoot({ events: ['flush'] as never }),
        ],
      }).compile(),
    ).rejects.toThrow('OpenFgaEventEmitter option "events" must be an array of event names (enqueued, settled,');
  });
});
