/**
 * The CLI commands with named connections, on the real servers: OpenFgaCliModule
 * in a host application with two connections (the default one and `billing`,
 * each on its own store), and with named connections only; `--connection` on
 * every buffer command (and `tuples import`), `--all-connections` on status; the bin, which operates
 * one connection, refuses another name.
 */
import { Logger, Module, ModuleMetadata } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';
import { OpenFgaModule } from '../../src';
import type { Tuple } from '../../src';
import { OpenFgaCliModule } from '../../src/cli/openfga-cli.module';
import { freshStore, serverEnv, testOptions } from '../support/harness/env';
import { openService, OpenService } from '../support/harness/service';
import type { TestStore } from '../support/harness/store';
import { readAllTuples } from '../support/state/fga-state';
import { runBin } from '../support/processes/run-bin';

@Module({})
class HostCliModule {}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one command in a fresh host app (commander keeps parsed options between runs of one program),
 * capturing stdout, stderr and the exit code: one at a time (see `runEach`).
 */
async function runIn(imports: ModuleMetadata['imports'], args: string[]): Promise<Run> {
  const app = await CommandFactory.createWithoutRunning({ module: HostCliModule, imports: [...(imports ?? []), OpenFgaCliModule] }, false);
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await app.get(CommandRunnerService).run(['node', 'cli', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    await app.close();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = before;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs commands one after the other: the captured streams and exit code are the process's. */
async function runEach(imports: () => ModuleMetadata['imports'], ...commands: string[][]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const args of commands) runs.push(await runIn(imports(), args));
  return runs;
}

const docs = (n: number, object = 'document:d'): Tuple[] =>
  Array.from({ length: n }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `${object}${i}` }));
const POISON: Tuple = { user: 'user:anne', relation: 'nonexistent', object: 'document:x' };

describe('CLI: --connection and --all-connections in a host application with two connections', () => {
  let main: TestStore;
  let billing: TestStore;
  let options: { main: ReturnType<typeof testOptions>; billing: ReturnType<typeof testOptions> };
  let seeds: { main: OpenService; billing: OpenService };
  const both = () => [OpenFgaModule.forRoot(options.main), OpenFgaModule.forRoot({ name: 'billing', ...options.billing })];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    [main, billing] = await Promise.all([freshStore('cli-main'), freshStore('cli-billing')]);
  });
  beforeEach(async () => {
    const quiet = { changeFeed: { enabled: false } };
    options = { main: testOptions(main, quiet), billing: testOptions(billing, quiet) };
    seeds = { main: openService(options.main), billing: openService(options.billing) };
    await Promise.all([seeds.main.ready(), seeds.billing.ready()]);
  });
  afterEach(async () => {
    await Promise.all([seeds.main.close(), seeds.billing.close()]);
  });

  it('status, flush and clear act on the connection named, the default one without --connection', async () => {
    await seeds.main.service.grantMany(docs(2));
    await seeds.billing.service.grantMany(docs(3, 'document:b'));

    const [plain, named] = await runEach(
      both,
      ['openfga:cache:status', '--json'],
      ['openfga:cache:status', '--json', '--connection', 'billing'],
    );
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ pending: { total: 2 } });
    expect(JSON.parse(named.stdout)).toMatchObject({ pending: { total: 3 } });

    const table = await runIn(both(), ['openfga:cache:status', '--connection', 'billing']);
    expect(table.stdout).toContain(`store ${billing.storeId} (prefix "${options.billing.prefix}", connection "billing")`);

    const flush = await runIn(both(), ['openfga:cache:flush', '--connection', 'billing']);
    expect(flush).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Flushed in .+: 3 writes, 0 deletes/) });
    expect(await readAllTuples(billing.storeId)).toHaveLength(3);
    expect(await readAllTuples(main.storeId)).toEqual([]);
    expect((await seeds.main.service.status()).pending.total).toBe(2);

    await seeds.billing.service.grant('user:zed', 'viewer', 'document:z');
    const clear = await runIn(both(), ['openfga:cache:clear', '--force', '--connection', 'billing']);
    expect(clear).toMatchObject({ code: 0, stdout: 'Discarded 1 pending operation.\n' });
    expect((await seeds.main.service.status()).pending.total).toBe(2);
  });

  it('dead-letter list, retry and purge act on the connection named', async () => {
    await seeds.billing.core.buffer.enqueue([{ kind: 'grant', ...POISON }], options.billing.authorizationModelId);
    await seeds.billing.service.flush();
    const [letter] = await seeds.billing.service.getDeadLetters();

    const [listMain, listBilling] = await runEach(
      both,
      ['openfga:dead-letter', 'list'],
      ['openfga:dead-letter', 'list', '--json', '--connection', 'billing'],
    );
    expect(listMain.stdout).toBe('No dead letters.\n');
    expect(JSON.parse(listBilling.stdout)).toEqual(JSON.parse(JSON.stringify([letter])));

    const retryMain = await runIn(both(), ['openfga:dead-letter', 'retry', letter.id]);
    expect(retryMain.code).toBe(1); // not the default connection's
    expect(retryMain.stderr).toContain(`no dead letter with id ${letter.id}`);
    const retry = await runIn(both(), ['openfga:dead-letter', 'retry', '--connection', 'billing']);
    expect(retry).toMatchObject({ code: 0, stdout: expect.stringContaining('Requeued 1 dead letter.') });
    await seeds.billing.service.flush();

    const purge = await runIn(both(), ['openfga:dead-letter', 'purge', '--force', '--connection', 'billing']);
    expect(purge).toMatchObject({ code: 0, stdout: 'Purged 1 dead letter.\n' });
    expect(await seeds.billing.service.getDeadLetters()).toEqual([]);
  });

  it('an unknown --connection exits 2 naming the registered connections, and changes nothing', async () => {
    await seeds.billing.service.grantMany(docs(1));
    const runs = await runEach(
      both,
      ['openfga:cache:status', '--connection', 'biling'],
      ['openfga:cache:clear', '--force', '--connection', 'biling'],
      ['openfga:dead-letter', 'purge', '--force', '--connection', 'biling'],
    );
    for (const run of runs) {
      expect(run).toMatchObject({ code: 2, stdout: '' });
      expect(run.stderr).toBe('error: no OpenFGA connection "biling" (registered: default, billing); pass --connection <name>\n');
    }
    expect((await seeds.billing.service.status()).pending.total).toBe(1);
  });

  it('status --all-connections prints one table per connection, or one JSON object keyed by connection', async () => {
    await seeds.main.service.grantMany(docs(2));
    await seeds.billing.service.revoke('user:bob', 'viewer', 'document:b');

    const [table, json, combined] = await runEach(
      both,
      ['openfga:cache:status', '--all-connections'],
      ['openfga:cache:status', '--all-connections', '--json'],
      ['openfga:cache:status', '--all-connections', '--connection', 'billing'],
    );
    expect(table.code).toBe(0);
    const [first, second] = table.stdout.split('\n\n');
    expect(first).toContain(`store ${main.storeId} (prefix "${options.main.prefix}", connection "default")`);
    expect(first).toMatch(/pending\s+2 \(2 writes, 0 deletes\)/);
    expect(second).toContain(`store ${billing.storeId} (prefix "${options.billing.prefix}", connection "billing")`);
    expect(second).toMatch(/pending\s+1 \(0 writes, 1 delete\)/);

    const byConnection = JSON.parse(json.stdout) as Record<string, { pending: { total: number } }>;
    expect(Object.keys(byConnection)).toEqual(['default', 'billing']);
    expect(byConnection.default.pending.total).toBe(2);
    expect(byConnection.billing.pending.total).toBe(1);

    expect(combined).toMatchObject({ code: 2, stdout: '' });
    expect(combined.stderr).toContain('--all-connections and --connection cannot be combined');
  });

  it('with named connections only: a command without --connection names them, one with it works', async () => {
    await seeds.billing.service.grantMany(docs(2));
    const only = () => [OpenFgaModule.forRoot({ name: 'billing', ...options.billing })];
    const [missing, named, all, importing] = await runEach(
      only,
      ['openfga:cache:status'],
      ['openfga:cache:status', '--json', '--connection', 'billing'],
      ['openfga:cache:status', '--all-connections', '--json'],
      ['tuples', 'import', 'never-read.jsonl'],
    );
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toBe('error: no OpenFGA connection "default" (registered: billing); pass --connection <name>\n');
    expect(JSON.parse(named.stdout)).toMatchObject({ pending: { total: 2 } });
    expect(Object.keys(JSON.parse(all.stdout) as object)).toEqual(['billing']);
    expect(importing).toMatchObject({ code: 2, stdout: '' });
    expect(importing.stderr).toContain('no OpenFgaModule connection "default" in this app (registered: billing)');
  });
});

describe('CLI: the bin operates one connection', () => {
  it('takes --connection default, refuses another name (exit 2, naming "default"), and --connection before a dead-letter action', async () => {
    const store = await freshStore('cli-bin');
    const options = testOptions(store);
    const { apiUrl, redisUrl, clusterNodes } = serverEnv();
    const env: Record<string, string> = {
      OPENFGA_API_URL: apiUrl,
      OPENFGA_STORE_ID: store.storeId,
      ...(clusterNodes
        ? { OPENFGA_REDIS_CLUSTER_NODES: `${clusterNodes[0].host}:${clusterNodes[0].port}` }
        : { OPENFGA_REDIS_URL: redisUrl }),
      OPENFGA_PREFIX: String(options.prefix),
    };
    const [ok, other, misplaced, invalid] = await Promise.all([
      runBin(['openfga:cache:status', '--json', '--connection', 'default'], env),
      runBin(['openfga:cache:flush', '--connection', 'billing'], env),
      // --connection belongs to the action: taken by the parent, it would silently mean the default connection.
      runBin(['openfga:dead-letter', '--connection', 'billing', 'list'], env),
      runBin(['openfga:cache:status', '--connection', 'bil ling'], env),
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ pending: { total: 0 } });
    expect(other).toMatchObject({ code: 2, stdout: '' });
    expect(other.stderr).toContain('no OpenFGA connection "billing" (registered: default)');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain("unknown option '--connection'");
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--connection must be a connection name');
  });
});
