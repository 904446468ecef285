/**
 * `app.close()` while a background flush, or a check's priority write, is
 * under way (flushOnShutdown off): it claims no further batch and settles
 * what it is writing before the module's connections close. Before, the close
 * cut it: the batches being written stayed in flight (written or not,
 * unsettled) until their lease ran out and another process wrote them again,
 * and the flush logged an error as Redis closed under its settle.
 */
import { LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OpenFgaModule, OpenFgaService } from '../../src';
import type { OpenFgaCore } from '../../src/core/openfga-core';
import { OPENFGA_CORE } from '../../src/openfga.constants';
import { freshStore, testOptions } from '../support/harness/env';
import { openService } from '../support/harness/service';

class RecordingLogger implements LoggerService {
  readonly problems: string[] = [];
  log(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.problems.push(`warn: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  }
  error(message: unknown): void {
    this.problems.push(`error: ${typeof message === 'string' ? message : JSON.stringify(message)}`);
  }
}

const OPS = 20_000;

it('closing during a background flush settles the batches being written: none left in flight, nothing lost, no error', async () => {
  const store = await freshStore('close-flush');
  const options = testOptions(store, { flushOnShutdown: false });
  @Module({ imports: [OpenFgaModule.forRoot(options)] })
  class AppModule {}
  const logger = new RecordingLogger();
  const app = await NestFactory.createApplicationContext(AppModule, { logger });
  const fga = app.get(OpenFgaService);
  await fga.grantMany(Array.from({ length: OPS }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` })));
  app.get<OpenFgaCore>(OPENFGA_CORE).flusher.kick(); // what the interval or size trigger does
  while ((await fga.status()).inFlight === 0) await new Promise((r) => setTimeout(r, 5));
  await app.close();

  const next = openService({ ...options, flushOnShutdown: true }); // the next process, on the same keys
  try {
    const after = await next.service.status();
    expect(after.inFlight).toBe(0);
    expect(after.pending.total).toBeGreaterThan(0); // the close stopped the flush
    expect(after.pending.total).toBeLessThan(OPS);
    expect(logger.problems).toEqual([]);
    // What the first process did not write, the next one does: every op once.
    const rest = await next.service.flush();
    expect(rest).toMatchObject({ writes: after.pending.total, failed: 0, deadLettered: 0 });
    expect(await next.service.check(`user:u${OPS - 1}`, 'viewer', `document:d${OPS - 1}`)).toBe(true);
    expect(await next.service.check('user:u0', 'viewer', 'document:d0')).toBe(true);
  } finally {
    await next.close();
  }
});

it('closing while a check writes a revoke first: the revoke is settled before the connections close', async () => {
  const store = await freshStore('close-priority');
  const options = testOptions(store, { flushOnShutdown: false });
  const first = openService(options);
  await first.service.grant('user:anne', 'viewer', 'document:1');
  await first.service.flush();
  expect(await first.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
  await first.service.revoke('user:anne', 'viewer', 'document:1');
  // The real write, started 300 ms late: the close begins while the check's revoke is claimed and unwritten.
  const client = first.core.client;
  const write = client.write.bind(client);
  let writing = false;
  jest.spyOn(client, 'write').mockImplementation(async (...args) => {
    writing = true;
    await new Promise((r) => setTimeout(r, 300));
    return write(...args);
  });
  const checked = first.service.check('user:anne', 'viewer', 'document:1').catch(() => false); // deny or fail closed
  while (!writing) await new Promise((r) => setTimeout(r, 5));
  await first.close();
  expect(await checked).toBe(false);

  const next = openService({ ...options, flushOnShutdown: true });
  try {
    const after = await next.service.status();
    expect(after.inFlight).toBe(0); // before: 1, its settle cut by the close, left for its lease to run out
    expect(after.pending.total).toBe(0);
    expect(await next.service.check('user:anne', 'viewer', 'document:1', { consistency: 'strong' })).toBe(false);
  } finally {
    await next.close();
  }
});
