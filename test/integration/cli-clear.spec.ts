/**
 * The bin's destructive commands on the real servers (the compiled bin as a child process, see
 * test/support/processes/compiled.ts; the buffer seeded through the real service in this process):
 * a prompt confirms a count, and the command then acts on exactly what it counted, never on what
 * arrived while the prompt was open; `clear` discards operations waiting out a retry backoff and says
 * which it left to finish; and a command that needs only Redis exits as soon as it is done when
 * OpenFGA accepts connections but never answers. Prompts run under a pseudo-terminal (util-linux `script`).
 */
import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { Tuple } from '../../src';
import { freshStore, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import { binEnv, runBin, runInTerminal } from '../support/processes/run-bin';
import { readAllTuples } from '../support/state/fga-state';
import { freePort } from '../support/harness/servers';

interface Fixture {
  open: OpenService;
  storeId: string;
  prefix: string;
  env: Record<string, string>;
  /** Buffers grants of a relation the model lacks, as a model changed before their flush: OpenFGA rejects them. */
  poison(tuples: Tuple[]): Promise<unknown>;
}

const opened: OpenService[] = [];

async function fixture(): Promise<Fixture> {
  const store = await freshStore('cli-clear');
  const options = testOptions(store);
  const open = openService(options);
  opened.push(open);
  await open.ready();
  return {
    open,
    storeId: store.storeId,
    prefix: String(options.prefix),
    env: binEnv(store, String(options.prefix)),
    poison: (tuples) =>
      open.core.buffer.enqueue(
        tuples.map((t) => ({ kind: 'grant' as const, ...t })),
        options.authorizationModelId,
      ),
  };
}

// The seeding service's flusher logs every dead letter and failed write; the bin's own output is what these tests read.
beforeAll(() => Logger.overrideLogger(['error']));
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

const docs = (n: number, from = 0): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:u${from + i}`, relation: 'viewer', object: `document:d${from + i}` }));
const poisons = (n: number, from = 0): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:p${from + i}`, relation: 'nonexistent', object: `document:p${from + i}` }));

describe('CLI: prompts confirm a count, and the command acts on exactly that', () => {
  it('openfga:cache:clear on a terminal discards the operations it counted and keeps those buffered while the prompt was open', async () => {
    const f = await fixture();
    const { service } = f.open;
    await service.grantMany(docs(3));

    const run = await runInTerminal(['openfga:cache:clear'], f.env, async () => {
      await service.grantMany(docs(5, 100)); // acknowledged to the app while the operator reads the question
      return 'y';
    });

    expect(run.output).toContain(
      `Discard 3 pending operations of store ${f.storeId} (prefix "${f.prefix}")? They will never reach OpenFGA.`,
    );
    expect(run.output).toContain('Discarded 3 pending operations.');
    expect(run.output).toContain('5 operations buffered while the prompt was open were kept; the next flush writes them.');
    expect(run.code).toBe(0);
    const pending = await service.getPendingOperations();
    expect(pending.map((o) => o.object).sort()).toEqual(
      docs(5, 100)
        .map((t) => t.object)
        .sort(),
    );
  });

  it('openfga:dead-letter purge (all) on a terminal deletes the dead letters it counted and keeps those that arrived meanwhile', async () => {
    const f = await fixture();
    const { service } = f.open;
    await f.poison(poisons(1));
    await service.flush();
    const [first] = await service.getDeadLetters();

    const run = await runInTerminal(['openfga:dead-letter', 'purge'], f.env, async () => {
      await f.poison(poisons(2, 10));
      expect(await service.flush()).toMatchObject({ deadLettered: 2 });
      return 'y';
    });

    expect(run.output).toContain('Delete all 1 dead letter for good? They will never reach OpenFGA.');
    expect(run.output).toContain('Purged 1 dead letter.');
    expect(run.output).toContain(
      '2 dead letters that arrived while the prompt was open were kept; see them with "openfga:dead-letter list".',
    );
    expect(run.code).toBe(0);
    const left = await service.getDeadLetters();
    expect(left.map((d) => d.operation.object).sort()).toEqual(['document:p10', 'document:p11']);
    expect(left.map((d) => d.id)).not.toContain(first.id);
  });
});

describe('CLI: operations waiting to retry after a failed write', () => {
  it('flush counts them, clear discards them (never a batch being written) and the next flush writes nothing of them', async () => {
    const f = await fixture();
    const { service, core } = f.open;
    await service.grant('user:w', 'viewer', 'document:w');
    const writing = await core.buffer.claim(10, 60_000); // a writer at work on w
    expect(writing?.operations.map((o) => o.object)).toEqual(['document:w']);
    await service.grant('user:a', 'viewer', 'document:a');
    await service.revoke('user:b', 'viewer', 'document:b');
    const down = { ...f.env, OPENFGA_API_URL: `http://127.0.0.1:${await freePort()}` }; // nothing listens: refused

    const failed = await runBin(['openfga:cache:flush'], down);
    expect(failed.code).toBe(1);
    expect(failed.stderr.split('\n')[0]).toBe('Flushing 2 pending operations…');
    expect(await service.backlog()).toMatchObject({ pending: { total: 0 }, retrying: 2, writing: 1 });
    const again = await runBin(['openfga:cache:flush'], down);
    expect(again.code).toBe(1);
    expect(again.stderr.split('\n')[0]).toBe('Flushing 2 pending operations (all waiting to retry after a failed write)…');

    await service.grant('user:c', 'viewer', 'document:c');
    const declined = await runInTerminal(['openfga:cache:clear'], f.env, async () => 'n');
    expect(declined.output).toContain('Discard 3 pending operations (2 of them waiting to retry after a failed write) of store');
    expect(declined.code).toBe(3);

    const cleared = await runBin(['openfga:cache:clear', '--force'], f.env);
    expect(cleared).toMatchObject({
      code: 0,
      stdout: 'Discarded 3 pending operations.\n',
      stderr: '1 operation being written was left to finish.\n',
    });
    expect(await service.backlog()).toMatchObject({ pending: { total: 0 }, retrying: 0, writing: 1 });

    const flush = await runBin(['openfga:cache:flush'], f.env);
    expect(flush).toMatchObject({ code: 0, stdout: 'Nothing to flush.\n' });
    expect(flush.stderr.split('\n')[0]).toBe('Flushing 0 pending operations…');
    expect(await readAllTuples(f.storeId)).toEqual([]);
  });
});

describe('CLI: OpenFGA accepts connections but never answers', () => {
  let blackhole: Server;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    blackhole = createServer((s) => {
      sockets.add(s); // accepted, never answered
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => blackhole.close(resolve));
  });

  it('status, dead-letter list and clear --force exit once done, not after a model read that never ends', async () => {
    const f = await fixture();
    await f.open.service.grant('user:a', 'viewer', 'document:a');
    const env = { ...f.env, OPENFGA_API_URL: `http://127.0.0.1:${(blackhole.address() as AddressInfo).port}` };

    const [status, list] = await Promise.all([
      runBin(['openfga:cache:status', '--json'], env),
      runBin(['openfga:dead-letter', 'list'], env),
    ]);
    const clear = await runBin(['openfga:cache:clear', '--force'], env);

    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: { total: 1 } });
    expect(list).toMatchObject({ code: 0, stdout: 'No dead letters.\n' });
    expect(clear).toMatchObject({ code: 0, stdout: 'Discarded 1 pending operation.\n' });
    // Start-up waits up to 3 s for the model; closing waited for the read's requestTimeout (10 s) too.
    for (const run of [status, list, clear]) expect(run.ms).toBeLessThan(8_500);
  });
});
