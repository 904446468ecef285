/**
 * `nestjs-openfga tuples import` on the real servers (the bin, a child
 * process): a CSV of thousands of tuples buffered and, with --wait, written
 * to OpenFGA; a file with bad tuples refused whole, each named by its line,
 * nothing buffered; an interrupted import resumed where it stopped; YAML
 * (the OpenFGA CLI's tuple file) read as the CSV is.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { OpenFgaService } from '../../src';
import { createOpenFgaCore, OpenFgaCore } from '../../src/core/openfga-core';
import { resolveOptions } from '../../src/options/resolve-options';
import { freshStore, testOptions } from '../support/harness/env';
import { binEnv, runBin } from '../support/processes/run-bin';
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
