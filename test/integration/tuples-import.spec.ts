/**
 * `nestjs-openfga tuples import` on the real servers (the bin, a child
 * process): a CSV of thousands of tuples buffered and, with --wait, written
 * to OpenFGA; a file with bad tuples refused whole, each named by its line,
 * nothing buffered; an interrupted import resumed where it stopped, but not
 * once the buffer was cleared since; YAML (the OpenFGA CLI's tuple file)
 * read as the CSV is; CSV headers whose columns would be dropped refused;
 * a missing path or a directory a usage error; --wait polling gently while
 * another process holds operations in flight.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { OpenFgaService } from '../../src';
import { createOpenFgaCore, OpenFgaCore } from '../../src/core/openfga-core';
import { moduleImportTarget } from '../../src/import/module-import-target';
import { resolveOptions } from '../../src/options/resolve-options';
import { freshStore, testOptions } from '../support/harness/env';
import { binEnv, runBin } from '../support/processes/run-bin';
import { commandCalls } from '../support/state/command-stats';
import { eventually } from '../support/state/flush-queue-state';
import { readAllTuples } from '../support/state/fga-state';

jest.setTimeout(120_000);

const dir = mkdtempSync(join(tmpdir(), 'tuples-import-'));
const open: OpenFgaCore[] = [];

async function fixture() {
  const store = await freshStore('import');
  const options = testOptions(store);
  const core = createOpenFgaCore(resolveOptions(options));
  open.push(core);
  return { store, core, service: new OpenFgaService(core), env: binEnv(store, String(options.prefix)) };
}

function csv(name: string, n: number, bad: Record<number, string> = {}): string {
  const rows = ['user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context'];
  for (let i = 0; i < n; i++) rows.push(bad[i] ?? `user,u${i},,viewer,document,d${i},,`);
  const path = join(dir, name);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

/**
 * Another writer's batch of `held` grants, leased for a minute (a flush can claim none of it), then
 * `tuples import <one tuple> --wait`: resolves once the imported tuple is in OpenFGA, the bin then
 * waiting for the held batch, with the batch (to give back) and the running bin.
 */
async function importWaitingBehindHeldBatch(f: Awaited<ReturnType<typeof fixture>>, name: string, held: number) {
  await f.service.grantMany(
    Array.from({ length: held }, (_, i) => ({ user: `user:${name}${i}`, relation: 'viewer', object: `document:${name}${i}` })),
  );
  const batch = await f.core.buffer.claim(100, 60_000);
  expect(batch?.operations).toHaveLength(held);
  const path = join(dir, `${name}.jsonl`);
  writeFileSync(path, `{"user":"user:${name}","relation":"viewer","object":"document:${name}"}\n`);
  const running = runBin(['tuples', 'import', path, '--wait'], f.env, 60_000);
  await eventually(
    'the imported tuple in OpenFGA',
    async () => (await readAllTuples(f.store.storeId)).length === 1 || undefined,
    30_000,
    100,
  );
  return { batch: batch!, running };
}

beforeAll(() => Logger.overrideLogger(['error']));
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

describe('tuples import (the bin)', () => {
  it('buffers a CSV of 2,500 tuples and, with --wait, writes them all to OpenFGA', async () => {
    const f = await fixture();
    const run = await runBin(['tuples', 'import', csv('ok.csv', 2500), '--wait'], f.env, 90_000);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Buffered 2500 tuples of 2500.');
    expect(run.stdout).toMatch(/OpenFGA has every tuple/);
    expect(await readAllTuples(f.store.storeId)).toHaveLength(2500);
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('refuses a file with bad tuples whole, naming each by its line; nothing is buffered', async () => {
    const f = await fixture();
    const path = csv('bad.csv', 50, {
      3: 'user,u3,,vewer,document,d3,,',
      7: 'user,u 7,,viewer,document,d7,,',
      9: 'folder,f9,,viewer,document,d9,,',
    });
    const run = await runBin(['tuples', 'import', path], f.env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/3 tuple\(s\) refused, nothing was buffered/);
    expect(run.stderr).toMatch(/line 5: relation: "vewer" is not a relation of document/);
    expect(run.stderr).toMatch(/line 9: Invalid user "user:u 7"/);
    expect(run.stderr).toMatch(/line 11: user: document#viewer admits .* not folder/);
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('resumes an interrupted import after the tuples it had buffered', async () => {
    const f = await fixture();
    const path = csv('resume.csv', 300);
    // An import that stopped after its first 200 tuples: those are buffered and its place is kept.
    await f.service.grantMany(
      Array.from({ length: 200 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` })),
    );
    const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32);
    await f.core.redis.set(`${f.core.buffer.keys.base}import:${hash}`, '200');
    const run = await runBin(['tuples', 'import', path, '--chunk', '50'], f.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Buffered 100 tuples of 300 (resumed after 200 tuples an interrupted import had buffered).');
    expect((await f.service.status()).pending.total).toBe(300);
    // Done: its place is forgotten, so the same file imports whole again.
    expect(await f.core.redis.exists(`${f.core.buffer.keys.base}import:${hash}`)).toBe(0);
  });

  it('reads the OpenFGA CLI YAML tuple file, and refuses an unknown connection', async () => {
    const f = await fixture();
    const path = join(dir, 'tuples.yaml');
    writeFileSync(
      path,
      '- user: user:anne\n  relation: viewer\n  object: document:1\n- user: group:eng#member\n  relation: viewer\n  object: document:2\n',
    );
    const run = await runBin(['tuples', 'import', path], f.env);
    expect(run.code).toBe(0);
    expect(await f.service.check('user:anne', 'viewer', 'document:1')).toBe(true);
    const unknown = await runBin(['tuples', 'import', path, '--connection', 'billing'], f.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no OpenFgaModule connection "billing"/);
  });
});

const contentHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32);

describe('tuples import: review fixes (the bin)', () => {
  it('ignores a resume point saved before openfga:cache:clear, imports every tuple, and --wait finds them all in OpenFGA', async () => {
    const f = await fixture();
    const path = csv('clear-resume.csv', 300);
    // An import that stopped after its first 200 tuples: those are buffered and its place is kept ...
    await f.service.grantMany(
      Array.from({ length: 200 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` })),
    );
    const mark = `${f.core.buffer.keys.base}import:${contentHash(path)}`;
    await f.core.redis.set(mark, '200');
    // ... then the buffer was cleared: those 200 are gone, nothing was written.
    const clear = await runBin(['openfga:cache:clear', '--force'], f.env);
    expect(clear.code).toBe(0);
    expect(clear.stdout).toMatch(/Discarded 200 pending operations/);
    expect(await f.core.redis.exists(mark)).toBe(1);

    const run = await runBin(['tuples', 'import', path, '--wait'], f.env, 90_000);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'Buffered 300 tuples of 300 (from the first: an interrupted import had saved its place after 200 tuples, ' +
        'but the buffer was cleared since, which may have discarded them).',
    );
    expect(run.stdout).toMatch(/OpenFGA has every tuple/);
    expect(await readAllTuples(f.store.storeId)).toHaveLength(300);
    expect(await f.core.redis.exists(mark)).toBe(0);
  });

  it('resumes from a place saved after a clear: only a clear since the place was saved makes it stale', async () => {
    const f = await fixture();
    expect((await runBin(['openfga:cache:clear', '--force'], f.env)).code).toBe(0);
    const target = moduleImportTarget(f.service, f.core);
    expect(await target.clears()).toBe(1);
    const path = csv('after-clear.csv', 300);
    await f.service.grantMany(
      Array.from({ length: 200 }, (_, i) => ({ user: `user:u${i}`, relation: 'viewer', object: `document:d${i}` })),
    );
    await target.saveResume(contentHash(path), { done: 200, clears: await target.clears() });
    const run = await runBin(['tuples', 'import', path, '--chunk', '50'], f.env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Buffered 100 tuples of 300 (resumed after 200 tuples an interrupted import had buffered).');
    expect((await f.service.status()).pending.total).toBe(300);
  });

  it('refuses a CSV header whose columns would be dropped or overwritten, naming the column; nothing is buffered', async () => {
    const f = await fixture();
    const cases: [string, string, RegExp][] = [
      [
        'user-relation.csv',
        'user,user_relation,relation,object\ngroup:eng,member,viewer,folder:ur1\n',
        /line 1: unknown CSV column user_relation for a header with user\/object \(with a user column, a userset goes in the user cell: group:eng#member\): the header is user_type,user_id,user_relation,relation,object_type,object_id,condition_name,condition_context .* or user,relation,object,condition_name,condition_context/,
      ],
      [
        'dup-header.csv',
        'user,relation,object,relation\nuser:anne,viewer,document:dup1,editor\n',
        /line 1: CSV header column relation named twice/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const run = await runBin(['tuples', 'import', path], f.env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/nothing was buffered/);
    }
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('a missing path, a directory or standard input exits 2 naming it; an empty file of any format exits 1, nothing buffered', async () => {
    const f = await fixture();
    const missing = await runBin(['tuples', 'import', join(dir, 'nope.csv')], f.env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: cannot read ".*nope\.csv": no such file: expected a tuple file: JSON lines, CSV, JSON or YAML/);
    const folder = join(dir, 'folder.csv');
    mkdirSync(folder, { recursive: true });
    const directory = await runBin(['tuples', 'import', folder], f.env);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(/error: ".*folder\.csv" is a directory: expected a tuple file/);
    const stdin = await runBin(['tuples', 'import', '-'], f.env);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/error: standard input \("-"\) cannot be imported: the file is read twice/);
    for (const ext of ['csv', 'jsonl', 'json', 'yaml']) {
      const path = join(dir, `empty.${ext}`);
      writeFileSync(path, '');
      const run = await runBin(['tuples', 'import', path], f.env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`empty\\.${ext}: line 1: the file is empty: expected .*; nothing was buffered`));
    }
    expect((await f.service.status()).pending.total).toBe(0);
  });

  it('--wait sleeps between polls while another process holds the operations in flight, and shows progress every 2 s', async () => {
    const f = await fixture();
    const { batch, running } = await importWaitingBehindHeldBatch(f, 'h', 20);
    const before = await commandCalls(f.core.redis, 'evalsha');
    await new Promise((r) => setTimeout(r, 4000));
    const scriptCalls = (await commandCalls(f.core.redis, 'evalsha')) - before;
    // The other writer gives its batch back: the waiting import writes it and is done.
    expect(await f.core.buffer.release(batch.id)).toBe(true);
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/OpenFGA has every tuple/);
    expect(await readAllTuples(f.store.storeId)).toHaveLength(21);
    // Unthrottled, the loop ran ~15,000 scripts a second and printed a line for each few (review #4).
    expect(scriptCalls).toBeLessThan(100);
    const lines = run.stderr.split('\n').filter((l) => l.startsWith('Writing to OpenFGA'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(5);
  });
});

describe('tuples import --wait and clear (the bin)', () => {
  it('exits 1 when the buffer was cleared during the wait: its tuples may be discarded, not written', async () => {
    const f = await fixture();
    const { batch, running } = await importWaitingBehindHeldBatch(f, 'c', 5);
    await f.service.clear();
    expect(await f.core.buffer.release(batch.id)).toBe(true);
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Buffered 1 tuple of 1.');
    expect(run.stdout).not.toMatch(/OpenFGA has every tuple/);
    expect(run.stderr).toMatch(/error: the buffer was cleared \(openfga:cache:clear\) during the import or the wait/);
  });
});
