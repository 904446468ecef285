/**
 * Logging through "the Nest Logger with structured context, never secrets". Runs
 * the module on the real Redis and OpenFGA with credentials configured (an
 * OpenFGA API token, OAuth client credentials against a loopback token
 * endpoint that refuses them, a Redis URL with a password), drives it through
 * grants, checks, flushes, failures, queue jobs, the change feed and
 * shutdown, and asserts that no secret reaches any log line (Nest Logger or
 * console), any message a caller sees, or anything the observability modules
 * emit (events, spans' status messages).
 */
import { ConsoleLogger, Logger, LoggerService } from '@nestjs/common';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Injectable } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { createServer, Server } from 'node:http';
import { inspect } from 'node:util';
import { Registry } from 'prom-client';
import { OpenFgaEventEmitterModule, OpenFgaMetricsModule, OpenFgaModule, OpenFgaModuleOptions, OpenFgaService } from '../../src';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { eventually } from '../support/state/flush-queue-state';
import type { TestStore } from '../support/harness/store';
import { fixtureModelAgain, lenientModelFirst } from '../support/harness/model-behind';

const API_TOKEN = 'tok-SECRET-api-7f3a9';
const CLIENT_SECRET = 'cs-SECRET-client-41bd2';
const REDIS_PASSWORD = 'pw-SECRET-redis-c0ffee';
const SECRETS = [API_TOKEN, CLIENT_SECRET, REDIS_PASSWORD];

/** Everything any logger was handed, rendered as deeply as util.inspect goes (error objects included). */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private push(level: string, message: unknown, params: unknown[]) {
    this.lines.push(`${level} ${[message, ...params].map((x) => (typeof x === 'string' ? x : inspect(x, { depth: 10 }))).join(' ')}`);
  }
  log(message: unknown, ...params: unknown[]) {
    this.push('log', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.push('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.push('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.push('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.push('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.push('fatal', message, params);
  }
}

@Injectable()
class EventRecorder {
  readonly payloads: unknown[] = [];
  @OnEvent('openfga.**')
  record(payload: unknown) {
    this.payloads.push(payload);
  }
}

/** A loopback OAuth token endpoint that refuses every client (401), counting the requests it got. */
async function startRefusingTokenServer(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_client' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/oauth/token`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function withPassword(url: string): string {
  const u = new URL(url);
  u.username = 'default';
  u.password = REDIS_PASSWORD;
  return u.toString();
}

describe('logging never reveals credentials', () => {
  let store: TestStore;
  const logger = new CapturingLogger();
  const consoleLines: string[] = [];
  const apps: TestingModule[] = [];

  const leaks = (texts: readonly string[]) => texts.filter((t) => SECRETS.some((s) => t.includes(s)));

  async function open(options: OpenFgaModuleOptions) {
    const app = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot({ wildcard: true }),
        OpenFgaModule.forRoot(options),
        OpenFgaMetricsModule.forRoot({ registry: new Registry() }),
        OpenFgaEventEmitterModule.forRoot({ events: ['enqueued', 'flushed', 'flushFailed', 'deadLettered', 'cleared', 'request'] }),
      ],
      providers: [EventRecorder],
    })
      .setLogger(logger)
      .compile();
    apps.push(app);
    await app.init();
    return { app, fga: app.get(OpenFgaService), events: app.get(EventRecorder) };
  }

  beforeAll(() => {
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        consoleLines.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 10 }))).join(' '));
      });
    }
  });
  afterAll(() => {
    jest.restoreAllMocks();
    Logger.overrideLogger(new ConsoleLogger());
  });
  beforeEach(async () => {
    store = await freshStore('logging');
    logger.lines.splice(0);
    consoleLines.splice(0);
  });
  afterEach(async () => {
    for (const app of apps.splice(0).reverse()) await app.close().catch(() => undefined);
  });

  it('with an API token and a Redis password: grant, dead letter, flush, check, clear, shutdown', async () => {
    const { fga, events } = await open(
      testOptions(store, {
        credentials: { method: 'api_token', config: { token: API_TOKEN } },
        redis: withPassword(serverEnv().redisUrl),
        flushOnShutdown: true,
        changeFeed: { enabled: true, interval: 0.2 },
        // The poison grant below passes the model the app read; the model changes before its flush.
        ...(await lenientModelFirst(store)),
      }),
    );
    await fixtureModelAgain(store);
    await fga.grant('user:anne', 'viewer', 'document:a');
    await fga.grant('user:erin', 'no_such_relation', 'document:d');
    expect(await fga.flush()).toMatchObject({ writes: 1, deadLettered: 1 });
    expect(await fga.check('user:anne', 'viewer', 'document:a')).toBe(true);
    await fga.grant('user:bob', 'viewer', 'document:b');
    expect(await fga.clear()).toBe(1);
    await fga.grant('user:carl', 'viewer', 'document:c'); // left for the shutdown flush
    const status = await fga.status();
    const deadLetters = await fga.getDeadLetters();
    for (const app of apps.splice(0)) await app.close();

    expect(logger.lines.length).toBeGreaterThan(0);
    expect(logger.lines.some((l) => /Pending operations discarded/.test(l))).toBe(true);
    expect(events.payloads.length).toBeGreaterThan(0);
    const everything = [
      ...logger.lines,
      ...consoleLines,
      inspect(status, { depth: 10 }),
      inspect(deadLetters, { depth: 10 }),
      ...events.payloads.map((p) => inspect(p, { depth: 10 })),
    ];
    expect(leaks(everything)).toEqual([]);
  });

  it('with client credentials OpenFGA cannot get a token for: failed checks, flushes, queue jobs and change-feed polls', async () => {
    const tokens = await startRefusingTokenServer();
    try {
      const { fga, events } = await open(
        testOptions(store, {
          credentials: {
            method: 'client_credentials',
            config: { clientId: 'client-id', clientSecret: CLIENT_SECRET, apiTokenIssuer: tokens.url, apiAudience: 'openfga' },
          },
          redis: withPassword(serverEnv().redisUrl),
          checkTimeout: 1,
          requestTimeout: 1,
          flushOnShutdown: true,
          shutdownTimeout: 1,
          changeFeed: { enabled: true, interval: 0.2 },
          queue: { enabled: true, attempts: 2, backoff: 0.1, timeout: 2 },
        }),
      );
      await fga.grant('user:anne', 'viewer', 'document:a');
      const checkError = await fga.check('user:bob', 'viewer', 'document:a').then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(checkError?.name).toBe('CheckUnavailableError');
      expect(await fga.flush()).toMatchObject({ queued: 1, jobs: 1 });
      // The job fails twice (no token), then its operation is dead-lettered with the reason.
      const dead = await eventually('the job gave up', async () => {
        const letters = await fga.getDeadLetters();
        return letters.length === 1 ? letters : undefined;
      });
      expect(dead[0].reason).toMatch(/Authentication|Unauthorized|401/i);
      await eventually(
        'the change feed failed at least once',
        async () => logger.lines.some((l) => /Change feed poll failed/.test(l)) || undefined,
      );
      expect(tokens.requests()).toBeGreaterThan(0);
      const status = await fga.status();
      for (const app of apps.splice(0)) await app.close();

      const everything = [
        ...logger.lines,
        ...consoleLines,
        checkError?.message ?? '',
        String(checkError),
        inspect(status, { depth: 10 }),
        inspect(dead, { depth: 10 }),
        ...events.payloads.map((p) => inspect(p, { depth: 10 })),
      ];
      expect(logger.lines.some((l) => /Flush job failed/.test(l))).toBe(true);
      expect(leaks(everything)).toEqual([]);
    } finally {
      await tokens.close();
    }
  });
});
