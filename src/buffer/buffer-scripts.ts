import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

const LUA_DIR = join(__dirname, 'lua');
const LIB = '_lib.lua';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../package.json') as { version: string }).version;

export type ScriptName =
  'enqueue' | 'claim' | 'settle' | 'check' | 'populate' | 'status' | 'clear' | 'retry-dead' | 'due' | 'invalidate' | 'oldest-seq'
  | 'feed-lease'
  | 'feed-release';

interface ScriptSource {
  command: string;
  numberOfKeys: number;
  lua: string;
}

let sources: Map<ScriptName, ScriptSource> | undefined;

/** Reads the `<name>-<numKeys>.lua` files once per process; `_lib.lua` is prepended to each. */
function loadSources(): Map<ScriptName, ScriptSource> {
  if (sources) return sources;
  const lib = readFileSync(join(LUA_DIR, LIB), 'utf8');
  sources = new Map();
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = match[1] as ScriptName;
    sources.set(name, {
      // The package version is part of the name, so two versions sharing a Redis never run each other's script.
      command: `nestjsOpenfga_${name.replace(/-/g, '_')}_${VERSION.replace(/\W/g, '_')}`,
      numberOfKeys: Number(match[2]),
      lua: `${lib}\n${readFileSync(join(LUA_DIR, file), 'utf8')}`,
    });
  }
  return sources;
}

type ScriptReply = unknown;
type CommandFn = (...args: (string | number)[]) => Promise<ScriptReply>;

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
    return fn.call(this.redis, ...keys, ...args) as Promise<T>;
  }
}
