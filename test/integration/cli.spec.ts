/**
 * The CLI on the real servers: the shipped bin (src/cli/bin.ts, compiled as
 * `npm run build` does, see test/support/processes/compiled.ts) runs as a
 * child process against real Redis and OpenFGA; the buffer is seeded through
 * the real service in this process. Interactive prompts run under a
 * pseudo-terminal made by util-linux `script`.
 */
import { Logger, Module } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { OpenFgaModule, OpenFgaService } from '../../src';
import type { OpenFgaModuleOptions, Tuple } from '../../src';
import { OpenFgaCliModule } from '../../src/cli/openfga-cli.module';
import { createOpenFgaCore, OpenFgaCore } from '../../src/core/openfga-core';
import { resolveOptions } from '../../src/options/resolve-options';
import { freshStore, testOptions } from '../support/harness/env';
import { binEnv, runBin, runInTerminal } from '../support/processes/run-bin';
import { readAllTuples, tupleId } from '../support/state/fga-state';
import { freePort, startRedis } from '../support/harness/servers';

interface Fixture {
  options: OpenFgaModuleOptions;
  storeId: string;
  service: OpenFgaService;
  core: OpenFgaCore;
  /** The bin's environment for this store and prefix. */
  env: Record<string, string>;
  /**
   * Buffers ops the service would refuse in the call (the model lacks their relation): they stand for
   * writes checked against a model that changed before their flush, which OpenFGA rejects.
   */
  poison(kind: 'grant' | 'revoke', tuples: Tuple[]): Promise<unknown>;
}

const open: OpenFgaCore[] = [];

/** A fresh store and key prefix, the real service on them (to seed and inspect), and the matching bin environment. */
async function fixture(): Promise<Fixture> {
  const store = await freshStore('cli');
  const options = testOptions(store);
  const core = createOpenFgaCore(resolveOptions(options));
  open.push(core);
  return {
    options,
    storeId: store.storeId,
    core,
    service: new OpenFgaService(core),
    poison: (kind, tuples) =>
      core.buffer.enqueue(
        tuples.map((t) => ({ kind, ...t })),
        options.authorizationModelId,
      ),
    env: binEnv(store, String(options.prefix)),
  };
}

// The seeding service's flusher logs every dead letter; the bin's own output is what these tests read.
beforeAll(() => Logger.overrideLogger(['error']));

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const docs = (n: number, relation = 'viewer'): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:u${i}`, relation, object: `document:d${i}` }));
const POISON: Tuple = { user: 'user:anne', relation: 'nonexistent', object: 'document:x' };
const sorted = (ts: Tuple[]) => ts.map(tupleId).sort();

describe('CLI: the nestjs-openfga bin on the real servers', () => {
  it('openfga:cache:status prints a table, and --json the status object', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(2));
    await f.service.revoke('user:bob', 'viewer', 'document:z');

    const [table, json] = await Promise.all([runBin(['openfga:cache:status'], f.env), runBin(['openfga:cache:status', '--json'], f.env)]);

    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toContain(`store ${f.storeId} (prefix "${f.options.prefix}")`);
    expect(table.stdout).toMatch(/pending\s+3 \(2 writes, 1 delete\)/);
    expect(table.stdout).toMatch(/oldest unwritten\s+\d[\d.]* m?s ago/);
    expect(table.stdout).toMatch(/in flight\s+0/);
    expect(table.stdout).toMatch(/dead letters\s+0/);
    expect(table.stdout).toMatch(/last flush\s+never/);

    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ pending: { writes: 2, deletes: 1, total: 3 }, inFlight: 0, deadLettered: 0, lastFlush: null });
    expect(status.oldestAgeMs).toEqual(expect.any(Number));
  });

  it('openfga:cache:status shows the age of operations in flight as the oldest unwritten, with nothing pending', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(2));
    expect(await f.core.buffer.claim(10, 60_000)).toBeDefined(); // a writer claims both and stalls
    await new Promise((r) => setTimeout(r, 300));

    const [table, json] = await Promise.all([runBin(['openfga:cache:status'], f.env), runBin(['openfga:cache:status', '--json'], f.env)]);

    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/pending\s+0 \(0 writes, 0 deletes\)/);
    expect(table.stdout).toMatch(/oldest unwritten\s+\d[\d.]* m?s ago/);
    expect(table.stdout).toMatch(/in flight\s+2/);
    const status = JSON.parse(json.stdout) as { pending: { total: number }; inFlight: number; oldestAgeMs: number | null };
    expect(status).toMatchObject({ pending: { total: 0 }, inFlight: 2 });
    expect(status.oldestAgeMs).toBeGreaterThanOrEqual(300);
  });

  it('openfga:cache:flush writes pending operations to OpenFGA, shows progress and exits 0', async () => {
    const f = await fixture();
    const tuples = docs(250); // three batches of batchSize 100
    await f.service.grantMany(tuples);

    const run = await runBin(['openfga:cache:flush', '--timeout', '20'], f.env);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Flushed in .+: 250 writes, 0 deletes, 0 failed, 0 dead-lettered\.\n$/);
    // Not a terminal: plain progress lines on stderr, one per settled batch.
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('Flushing 250 pending operations…');
    expect(lines.filter((l) => l.startsWith('Flushing: ')).length).toBeGreaterThanOrEqual(3);
    expect(lines[lines.length - 1]).toMatch(/^Flushing: 250\/250 \(250 writes/);
    expect(sorted(await readAllTuples(f.storeId))).toEqual(sorted(tuples));

    const status = JSON.parse((await runBin(['openfga:cache:status', '--json'], f.env)).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ pending: { total: 0 }, inFlight: 0, lastFlush: { writes: 250, failed: 0, deadLettered: 0 } });

    const again = await runBin(['openfga:cache:flush', '--json'], f.env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ writes: 0, deletes: 0, failed: 0, deadLettered: 0 });
  });

  it('openfga:cache:flush exits non-zero when OpenFGA rejects a tuple; the poison is dead-lettered, the rest written', async () => {
    const f = await fixture();
    const good = docs(3);
    await f.service.grantMany(good);
    await f.poison('grant', [POISON]);

    const run = await runBin(['openfga:cache:flush'], f.env);

    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/3 writes, 0 deletes, 0 failed, 1 dead-lettered/);
    expect(run.stderr).toContain('1 operation rejected by OpenFGA and dead-lettered; see them with "openfga:dead-letter list"');
    expect(sorted(await readAllTuples(f.storeId))).toEqual(sorted(good));
    const dead = await f.service.getDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0].operation).toMatchObject({ ...POISON, kind: 'grant' });
    expect(dead[0].reason).toMatch(/nonexistent/);
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('openfga:dead-letter list shows id, op, tuple and reason; retry requeues; purge deletes', async () => {
    const f = await fixture();
    const poisonY: Tuple = { ...POISON, object: 'document:y' };
    await f.poison('grant', [POISON, poisonY]);
    await f.service.flush();
    const dead = await f.service.getDeadLetters();
    expect(dead).toHaveLength(2);

    const [list, listJson] = await Promise.all([
      runBin(['openfga:dead-letter', 'list'], f.env),
      runBin(['openfga:dead-letter', 'list', '--json'], f.env),
    ]);
    expect(list.code).toBe(0);
    const lines = list.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+OP\s+TUPLE\s+ATTEMPTS\s+DEAD SINCE\s+REASON$/);
    for (const d of dead) {
      const row = lines.find((l) => l.startsWith(`${d.id} `));
      expect(row).toBeDefined();
      expect(row).toContain('grant');
      expect(row).toContain(`${d.operation.object}#nonexistent@user:anne`);
      expect(row).toContain(d.reason.replace(/\s+/g, ' '));
    }
    expect(list.stdout).toContain('2 dead letters.');
    expect(JSON.parse(listJson.stdout)).toEqual(JSON.parse(JSON.stringify(dead)));

    // retry one id, and an unknown one: the known one is requeued, the unknown named, exit 1
    const retryOne = await runBin(['openfga:dead-letter', 'retry', dead[0].id, '999999'], f.env);
    expect(retryOne.code).toBe(1);
    expect(retryOne.stdout).toContain('Requeued 1 dead letter.');
    expect(retryOne.stderr).toContain('no dead letter with id 999999');
    expect(await f.service.status()).toMatchObject({ pending: { total: 1 }, deadLettered: 1 });
    expect((await f.service.getPendingOperations())[0]).toMatchObject(dead[0].operation.object === 'document:x' ? POISON : poisonY);
    await f.service.flush();
    expect((await f.service.status()).deadLettered).toBe(2);

    // retry all
    const retryAll = await runBin(['openfga:dead-letter', 'retry'], f.env);
    expect(retryAll.code).toBe(0);
    expect(retryAll.stdout).toContain('Requeued 2 dead letters.');
    expect(await f.service.status()).toMatchObject({ pending: { total: 2 }, deadLettered: 0 });
    await f.service.flush();
    const again = await f.service.getDeadLetters();
    expect(again).toHaveLength(2);

    // purge needs --force without a terminal
    const refused = await runBin(['openfga:dead-letter', 'purge'], f.env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refusing to purge dead letters without --force: stdin is not a terminal/);
    expect((await f.service.status()).deadLettered).toBe(2);

    const purgeOne = await runBin(['openfga:dead-letter', 'purge', '--force', again[0].id], f.env);
    expect(purgeOne).toMatchObject({ code: 0, stdout: 'Purged 1 dead letter.\n' });
    expect((await f.service.getDeadLetters()).map((d) => d.id)).toEqual([again[1].id]);

    const purgeAll = await runBin(['openfga:dead-letter', 'purge', '-f'], f.env);
    expect(purgeAll).toMatchObject({ code: 0, stdout: 'Purged 1 dead letter.\n' });
    expect(await f.service.getDeadLetters()).toEqual([]);
    expect(await readAllTuples(f.storeId)).toEqual([]);
  });

  it('openfga:dead-letter retry drops a dead letter a newer operation on its tuple supersedes, and names it', async () => {
    const f = await fixture();
    await f.poison('grant', [POISON]);
    await f.service.flush();
    const [letter] = await f.service.getDeadLetters();
    await f.poison('revoke', [POISON]); // newer: the grant must not come back

    const run = await runBin(['openfga:dead-letter', 'retry'], f.env);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe(`Requeued 0 dead letters; dropped 1 superseded by a newer operation on the same tuple (id ${letter.id}).\n`);
    expect(await f.service.getDeadLetters()).toEqual([]);
    expect((await f.service.getPendingOperations()).map((o) => o.kind)).toEqual(['revoke']);
  });

  it('openfga:dead-letter without a valid action prints its help and exits 2', async () => {
    const f = await fixture();
    const [none, unknown] = await Promise.all([runBin(['openfga:dead-letter'], f.env), runBin(['openfga:dead-letter', 'requeue'], f.env)]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: nestjs-openfga openfga:dead-letter/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown action "requeue": expected list, retry or purge');
  });

  it('openfga:cache:clear refuses without --force when stdin is not a terminal, and clears nothing', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(3));

    const run = await runBin(['openfga:cache:clear'], f.env);

    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('refusing to clear the buffer without --force: stdin is not a terminal');
    expect(run.stderr).toContain('--force');
    expect((await f.service.status()).pending.total).toBe(3);
  });

  it('openfga:cache:clear --force discards pending operations and prints how many', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(3));
    await f.service.revoke('user:bob', 'viewer', 'document:z');

    const run = await runBin(['openfga:cache:clear', '--force'], f.env);

    expect(run).toMatchObject({ code: 0, stdout: 'Discarded 4 pending operations.\n' });
    expect((await f.service.status()).pending.total).toBe(0);
    expect(await readAllTuples(f.storeId)).toEqual([]);
  });

  it('openfga:cache:clear on a terminal asks first: "n" keeps everything, "y" discards', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(2));

    const declined = await runInTerminal(['openfga:cache:clear'], f.env, 'n');
    expect(declined.output).toContain(`Discard 2 pending operations of store ${f.storeId} (prefix "${f.options.prefix}")?`);
    expect(declined.output).toContain('aborted; nothing was changed.');
    expect(declined.code).toBe(3);
    expect((await f.service.status()).pending.total).toBe(2);

    const confirmed = await runInTerminal(['openfga:cache:clear'], f.env, 'y');
    expect(confirmed.output).toContain('[y/N]');
    expect(confirmed.output).toContain('Discarded 2 pending operations.');
    expect(confirmed.code).toBe(0);
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('openfga:dead-letter purge on a terminal asks first', async () => {
    const f = await fixture();
    await f.poison('grant', [POISON]);
    await f.service.flush();

    const confirmed = await runInTerminal(['openfga:dead-letter', 'purge'], f.env, 'yes');
    expect(confirmed.output).toContain('Delete all 1 dead letter for good?');
    expect(confirmed.output).toContain('Purged 1 dead letter.');
    expect(confirmed.code).toBe(0);
    expect(await f.service.getDeadLetters()).toEqual([]);
  });

  it('openfga:cache:flush on a terminal redraws one progress line', async () => {
    const f = await fixture();
    const tuples = docs(150);
    await f.service.grantMany(tuples);

    const run = await runInTerminal(['openfga:cache:flush'], f.env);

    expect(run.code).toBe(0);
    expect(run.output).toContain('\r\x1b[2KFlushing: 150/150');
    expect(run.output).toContain('Flushed in ');
    expect(sorted(await readAllTuples(f.storeId))).toEqual(sorted(tuples));
  });

  it('a missing or invalid environment variable exits 2 and names the variable (and never prints a password)', async () => {
    const f = await fixture();
    const noRedis = { OPENFGA_REDIS_URL: undefined, OPENFGA_REDIS_CLUSTER_NODES: undefined };
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ OPENFGA_STORE_ID: undefined }, /^nestjs-openfga: OPENFGA_STORE_ID is not set/],
      [{ OPENFGA_API_URL: '' }, /^nestjs-openfga: OPENFGA_API_URL is not set/],
      [noRedis, /^nestjs-openfga: OPENFGA_REDIS_URL is not set: .*or set OPENFGA_REDIS_CLUSTER_NODES/],
      [
        { OPENFGA_REDIS_URL: 'redis://127.0.0.1:6379', OPENFGA_REDIS_CLUSTER_NODES: '127.0.0.1:7000' },
        /^nestjs-openfga: OPENFGA_REDIS_CLUSTER_NODES cannot be combined with OPENFGA_REDIS_URL/,
      ],
      [
        { ...noRedis, OPENFGA_REDIS_CLUSTER_NODES: '127.0.0.1:7000,redis://admin:s3cret@10.0.0.1' },
        /^nestjs-openfga: OPENFGA_REDIS_CLUSTER_NODES must be comma-separated host:port .*each with a port \(received "redis:\/\/admin:\*\*\*@10\.0\.0\.1"\)/,
      ],
      [{ ...noRedis, OPENFGA_REDIS_CLUSTER_NODES: ' , ' }, /^nestjs-openfga: OPENFGA_REDIS_CLUSTER_NODES must name at least one/],
      [{ OPENFGA_API_URL: 'localhost:8080' }, /^nestjs-openfga: OPENFGA_API_URL must be an http\(s\) URL/],
      [{ OPENFGA_STORE_ID: 'my-store' }, /^nestjs-openfga: OPENFGA_STORE_ID must be an OpenFGA store id/],
      [{ OPENFGA_MODEL_ID: 'latest' }, /^nestjs-openfga: OPENFGA_MODEL_ID must be an OpenFGA model id/],
      [{ OPENFGA_PREFIX: 'bad prefix' }, /^nestjs-openfga: OPENFGA_PREFIX must be letters, digits/],
      [
        { ...noRedis, OPENFGA_REDIS_URL: 'http://admin:s3cret@127.0.0.1:6379' },
        /^nestjs-openfga: OPENFGA_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/,
      ],
      [{ OPENFGA_MAX_TUPLES_PER_WRITE: '0' }, /^nestjs-openfga: OPENFGA_MAX_TUPLES_PER_WRITE must be an integer >= 1/],
      [{ OPENFGA_CLIENT_ID: 'abc' }, /^nestjs-openfga: OPENFGA_CLIENT_SECRET is not set/],
    ];
    const runs = await Promise.all(cases.map(([override]) => runBin(['openfga:cache:status'], { ...f.env, ...override })));
    runs.forEach((run, i) => {
      expect({ case: cases[i][0], code: run.code, stdout: run.stdout }).toEqual({ case: cases[i][0], code: 2, stdout: '' });
      expect(run.stderr).toMatch(cases[i][1]);
      expect(run.stderr).not.toContain('s3cret');
    });
  });

  it('usage errors exit 2: an invalid --timeout, an unknown command or option', async () => {
    const f = await fixture();
    const [timeout, command, option] = await Promise.all([
      runBin(['openfga:cache:flush', '--timeout', 'soon'], f.env),
      runBin(['openfga:cache:nope'], f.env),
      runBin(['openfga:cache:status', '--yaml'], f.env),
    ]);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain('--timeout must be a positive number of seconds');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'openfga:cache:nope'");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--yaml'");
  });

  it('--help works without any configuration and documents the commands and variables', async () => {
    const run = await runBin(['--help'], {});
    expect(run.code).toBe(0);
    for (const text of [
      'Usage: nestjs-openfga',
      'openfga:cache:status',
      'openfga:cache:flush',
      'openfga:cache:clear',
      'openfga:dead-letter',
    ]) {
      expect(run.stdout).toContain(text);
    }
    for (const v of [
      'OPENFGA_API_URL',
      'OPENFGA_STORE_ID',
      'OPENFGA_REDIS_URL',
      'OPENFGA_REDIS_CLUSTER_NODES',
      'OPENFGA_PREFIX',
      'OPENFGA_MODEL_ID',
      'OPENFGA_API_TOKEN',
    ]) {
      expect(run.stdout).toContain(v);
    }
    const sub = await runBin(['openfga:cache:flush', '--help'], {});
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--timeout <seconds>');
  });

  it('an unreachable Redis fails fast with exit 1 and a message naming Redis', async () => {
    const f = await fixture();
    const port = await freePort(); // nothing listens there
    const started = Date.now();
    const [single, cluster] = await Promise.all([
      runBin(
        ['openfga:cache:status'],
        { ...f.env, OPENFGA_REDIS_CLUSTER_NODES: undefined, OPENFGA_REDIS_URL: `redis://127.0.0.1:${port}` },
        20_000,
      ),
      runBin(
        ['openfga:cache:status'],
        { ...f.env, OPENFGA_REDIS_URL: undefined, OPENFGA_REDIS_CLUSTER_NODES: `127.0.0.1:${port}` },
        20_000,
      ),
    ]);
    for (const run of [single, cluster]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: Redis is (not reachable|unavailable)/m);
    }
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('refuses a Redis whose maxmemory-policy may evict its keys (allkeys-*), exit 1 naming the policy', async () => {
    const f = await fixture();
    const redis = await startRedis({ args: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      const run = await runBin(['openfga:cache:status'], {
        ...f.env,
        OPENFGA_REDIS_CLUSTER_NODES: undefined,
        OPENFGA_REDIS_URL: redis.url,
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Redis 127.0.0.1:${redis.port} has maxmemory-policy "allkeys-lru"`);
    } finally {
      await redis.stop();
    }
  });
});

describe('CLI: OpenFgaCliModule in a host application', () => {
  @Module({})
  class HostCliModule {}

  it('registers the commands next to the host app’s OpenFgaModule.forRoot', async () => {
    const f = await fixture();
    await f.service.grantMany(docs(2));
    const app = await CommandFactory.createWithoutRunning(
      { module: HostCliModule, imports: [OpenFgaModule.forRoot({ ...f.options, flushOnShutdown: false }), OpenFgaCliModule] },
      false,
    );
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    const exitCode = process.exitCode;
    try {
      await app.get(CommandRunnerService).run(['node', 'cli', 'openfga:cache:status', '--json']);
    } finally {
      spy.mockRestore();
      await app.close();
    }
    expect(process.exitCode).toBe(exitCode);
    expect(JSON.parse(writes.join(''))).toMatchObject({ pending: { writes: 2, total: 2 } });
  });
});
