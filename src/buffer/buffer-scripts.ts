import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

const LUA_DIR = join(__dirname, 'lua');
const LIB = '_lib.lua';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../package.json') as { version: string }).version;

export type ScriptName =
  | 'enqueue'
  | 'claim'
  | 'settle'
  | 'check'
  | 'populate'
  | 'status'
  | 'clear'
  | 'retry-dead'
  | 'purge-dead'
  | 'due'
  | 'invalidate'
  | 'oldest-seq'
  | 'renew'
  | 'reassert'
  | 'feed-lease'
  | 'feed-release';

interface ScriptSource {
  command: string;
  numberOfKeys: number;
  lua: string;
}

let sources: Map<ScriptName, ScriptSource> | undefined;

/** The `--- @helper <name>` blocks of `_lib.lua`, in file order. */
function parseHelpers(lib: string): { name: string; code: string }[] {
  const parts = lib.split(/^--- @helper (\w+)\n/m);
  const helpers: { name: string; code: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) helpers.push({ name: parts[i], code: parts[i + 1] });
  return helpers;
}

/**
 * The helpers a script uses: those it names, and those they name in turn, in
 * `_lib.lua`'s order (a helper only uses helpers defined above it). Defining
 * a Lua closure costs on every call, so a script gets only what it needs.
 */
function helpersFor(body: string, helpers: readonly { name: string; code: string }[]): string {
  // Comments may mention helpers they do not call.
  const uses = (code: string, name: string) => new RegExp(`\\b${name}\\b`).test(code.replace(/--\[\[[\s\S]*?\]\]|--.*$/gm, ''));
  const wanted = new Set<string>(['rcall']);
  for (let i = helpers.length - 1; i >= 0; i--) {
    const { name } = helpers[i];
    if (uses(body, name) || helpers.some((h) => wanted.has(h.name) && h.name !== name && uses(h.code, name))) wanted.add(name);
  }
  return helpers
    .filter((h) => wanted.has(h.name))
    .map((h) => h.code)
    .join('');
}

/** Reads the `<name>-<numKeys>.lua` files once per process, each with the `_lib.lua` helpers it uses prepended. */
function loadSources(): Map<ScriptName, ScriptSource> {
  if (sources) return sources;
  const helpers = parseHelpers(readFileSync(join(LUA_DIR, LIB), 'utf8'));
  sources = new Map();
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = match[1] as ScriptName;
    const body = readFileSync(join(LUA_DIR, file), 'utf8');
    sources.set(name, {
      // The package version is part of the name, so two versions sharing a Redis never run each other's script.
      command: `nestjsOpenfga_${name.replace(/-/g, '_')}_${VERSION.replace(/\W/g, '_')}`,
      numberOfKeys: Number(match[2]),
      lua: `${helpersFor(body, helpers)}\n${body}`,
    });
  }
  return sources;
}

type ScriptReply = unknown;
type CommandFn = (...args: (string | number | (string | number)[])[]) => Promise<ScriptReply>;

/**
 * The one call path of every buffer script: registered with `defineCommand`
 * (EVALSHA, falling back to EVAL after a script flush or a failover).
 */
export class BufferScripts {
  constructor(private readonly redis: Redis | Cluster) {
    for (const [, source] of loadSources()) {
      if (!(source.command in redis)) redis.defineCommand(source.command, { numberOfKeys: source.numberOfKeys, lua: source.lua });
    }
  }

  run<T = ScriptReply>(name: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
    const source = loadSources().get(name);
    if (!source) throw new Error(`Lua script "${name}" is missing from ${LUA_DIR}`);
    if (keys.length !== source.numberOfKeys) throw new Error(`Lua script "${name}" takes ${source.numberOfKeys} keys, got ${keys.length}`);
    const fn = (this.redis as unknown as Record<string, CommandFn>)[source.command];
    // The arguments go as one array (ioredis flattens it): spread, a large call would overflow the stack.
    return fn.call(this.redis, ...keys, args) as Promise<T>;
  }
}
