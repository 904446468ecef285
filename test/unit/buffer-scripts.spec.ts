import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { BUFFER_LUA_DIR } from '../../src/buffer/buffer-scripts';
import { LuaScripts, loadScriptFolder } from '../../src/redis/lua-scripts';

const SRC = join(__dirname, '..', '..', 'src');
const FOLDERS = [BUFFER_LUA_DIR, join(SRC, 'cache', 'lua'), join(SRC, 'changefeed', 'lua')];

/** The Lua each script is registered with (the client only records definitions; the integration suites run them on Redis). */
function definitions(): Map<string, { numberOfKeys: number; lua: string }> {
  const defined = new Map<string, { numberOfKeys: number; lua: string }>();
  const client = { defineCommand: (name: string, d: { numberOfKeys: number; lua: string }) => defined.set(name, d) };
  const scripts = new LuaScripts(client as unknown as Redis);
  for (const dir of FOLDERS) scripts.use(dir);
  return new Map([...defined].map(([name, d]) => [name.replace(/^nestjsOpenfga_/, '').replace(/_\d+_\d+_\d+\w*$/, ''), d]));
}

const helpers = (lua: string) => [...lua.matchAll(/^local function (\w+)/gm)].map((m) => m[1]);

/** A script folder in a temporary directory: `files` maps paths (relative to it) to their Lua. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lua-'));
  mkdirSync(join(dir, 'includes'));
  for (const [path, lua] of Object.entries(files)) writeFileSync(join(dir, path), lua);
  return dir;
}

describe('LuaScripts', () => {
  const scripts = definitions();

  it('registers every script under a versioned name with the key count of its file name', () => {
    const names = [
      'enqueue',
      'claim',
      'settle',
      'snapshot',
      'snapshot-many',
      'populate',
      'populate-many',
      'status',
      'clear',
      'clear-retrying',
      'backlog',
      'retry-dead',
      'due',
      'invalidate',
      'oldest-seq',
      'renew',
      'reassert',
      'purge-dead',
      'claim-tuples',
      'outstanding',
      'adopt-graph',
      'index-buffer',
      'feed-lease',
      'feed-release',
    ];
    for (const name of names) expect(scripts.get(name.replace(/-/g, '_'))).toBeDefined();
    // `enqueue-9+.lua`: nine fixed keys, then the generation keys; ioredis takes the count per call.
    expect(scripts.get('enqueue')?.numberOfKeys).toBeUndefined();
    expect(scripts.get('claim')?.numberOfKeys).toBe(11);
    expect(scripts.get('claim_tuples')?.numberOfKeys).toBe(11);
    expect(scripts.get('snapshot')?.numberOfKeys).toBe(10);
    // batchCheck's: ten (snapshot) or six (populate) keys per check.
    expect(scripts.get('snapshot_many')?.numberOfKeys).toBeUndefined();
    expect(scripts.get('populate_many')?.numberOfKeys).toBeUndefined();
    expect(scripts.get('settle')?.numberOfKeys).toBe(18);
    expect(scripts.get('status')?.numberOfKeys).toBe(9);
    expect(scripts.get('clear_retrying')?.numberOfKeys).toBe(14);
    expect(scripts.get('backlog')?.numberOfKeys).toBe(6);
  });

  it('prepends the includes a script names, those they name, each once, before the body', () => {
    // One read's snapshot and one answer's caching are includes, so batchCheck's scripts run them per check;
    // the snapshot reads index members and slices with the buffer's own helpers (records go to Node whole).
    const snapshotHelpers = ['indexedTupleKey', 'callSliced', 'readSnapshot'];
    expect(helpers(scripts.get('snapshot')!.lua)).toEqual(snapshotHelpers);
    expect(helpers(scripts.get('snapshot_many')!.lua)).toEqual(snapshotHelpers);
    expect(helpers(scripts.get('populate')!.lua)).toEqual(['cacheAnswer']);
    expect(helpers(scripts.get('populate_many')!.lua)).toEqual(['cacheAnswer']);
    expect(helpers(scripts.get('enqueue')!.lua)).toEqual([
      'modelIndex',
      'callSliced',
      'indexEntries',
      'indexOutstanding',
      'indexOne',
      'appendOps',
    ]);
    expect(helpers(scripts.get('settle')!.lua)).toEqual([
      'parseRecord',
      'callSliced',
      'modelId',
      'pruneWatch',
      'recordAcks',
      'makeRecord',
      'watchBatch',
      'requeueBatch',
      'markRevoked',
      'indexEntries',
      'indexOutstanding',
      'releaseTuples',
      'markQuiet',
    ]);
    expect(helpers(scripts.get('clear')!.lua)).toEqual(['callSliced', 'indexEntries', 'indexOutstanding', 'markQuiet']);
    expect(helpers(scripts.get('renew')!.lua)).toEqual(['callSliced', 'watchBatch']);
    for (const [, { lua }] of scripts) {
      expect(lua.startsWith('local rcall = redis.call\n')).toBe(true);
      expect(lua).not.toMatch(/@include/);
    }
  });

  it('builds no fixed store key in Lua: only per-batch and per-pair index keys, from the prefix passed as a KEYS entry', () => {
    for (const [, { lua }] of scripts) {
      const code = lua.replace(/--\[\[[\s\S]*?\]\]|--.*$/gm, '');
      expect(code).not.toMatch(/string\.sub\(KEYS|\bbase\b/);
      // Keys named after data the script reads (a batch id, a tuple's relation pair) cannot be declared up front.
      for (const [, suffix] of code.matchAll(/(?:KEYS\[\d+\]|\bK\[\d+\]|storePrefix) \.\. '([^']*)'/g))
        expect(['b:', 'ix:']).toContain(suffix);
    }
  });

  it('runs only the scripts of the folders added, and refuses a name defined by two folders', () => {
    const client = { defineCommand: () => undefined } as unknown as Redis;
    const scripts = new LuaScripts(client).use(BUFFER_LUA_DIR);
    expect(() => scripts.run('populate', ['a', 'b', 'c', 'd'], [])).toThrow(/"populate" is not loaded/);
    expect(() => scripts.run('due', ['a'], [])).toThrow(/takes 4 keys, got 1/);
    const copy = folder({ 'due-4.lua': 'return 0\n' });
    try {
      expect(() => scripts.use(copy)).toThrow(/"due" is defined in both/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('Lua includes', () => {
  const dirs: string[] = [];
  const load = (files: Record<string, string>) => {
    const dir = folder(files);
    dirs.push(dir);
    return loadScriptFolder(dir);
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('pulls in only what a script names explicitly (a mention in code is not an include)', () => {
    const lua = load({
      'includes/a.lua': '-- a\nlocal function a() end\n',
      'includes/b.lua': '-- b\nlocal function b() end\n',
      'one-1.lua': '--- @include "a"\nreturn b and a()\n',
    }).get('one')!.lua;
    expect(helpers(lua)).toEqual(['a']);
    expect(lua).toBe('local rcall = redis.call\n-- a\nlocal function a() end\n\nreturn b and a()\n');
  });

  it('resolves includes transitively, dependencies first, each once', () => {
    const sources = load({
      'includes/base.lua': '-- base\nlocal function base() end\n',
      'includes/left.lua': '-- left\n--- @include "base"\nlocal function left() end\n',
      'includes/right.lua': '-- right\n--- @include "base"\n--- @include "left"\nlocal function right() end\n',
      'both-2.lua': '--[[ doc ]]\n--- @include "right"\n--- @include "left"\n--- @include "base"\nreturn 1\n',
    });
    const both = sources.get('both')!;
    expect(both.numberOfKeys).toBe(2);
    expect(helpers(both.lua)).toEqual(['base', 'left', 'right']);
    expect(both.lua.startsWith('local rcall = redis.call\n')).toBe(true);
    expect(both.lua.endsWith('--[[ doc ]]\nreturn 1\n')).toBe(true);
  });

  it('fails at load on an unknown include, naming it and who asked for it', () => {
    expect(() =>
      load({ 'includes/a.lua': '--- @include "nope"\nlocal function a() end\n', 's-1.lua': '--- @include "a"\nreturn 1\n' }),
    ).toThrow(/include "nope" \(named by a\.lua\) is missing/);
    expect(() => load({ 's-1.lua': '--- @include "gone"\nreturn 1\n' })).toThrow(/include "gone" \(named by s-1\.lua\) is missing/);
  });

  it('fails at load on an include cycle', () => {
    expect(() =>
      load({
        'includes/a.lua': '--- @include "b"\nlocal function a() end\n',
        'includes/b.lua': '--- @include "a"\nlocal function b() end\n',
        's-1.lua': '--- @include "a"\nreturn 1\n',
      }),
    ).toThrow(/include cycle in s-1\.lua: a -> b -> a/);
  });
});
