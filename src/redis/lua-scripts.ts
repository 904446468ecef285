import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import type { RedisAvailability } from './redis-availability';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = (require('../../package.json') as { version: string }).version;

export interface ScriptSource {
  command: string;
  numberOfKeys: number;
  /** `<name>-<n>+.lua`: n fixed keys, then any number more (generation keys); the caller passes the count. */
  moreKeys: boolean;
  lua: string;
}

/** Every loaded script starts with this line; scripts and includes use `rcall`. */
const PRELUDE = 'local rcall = redis.call\n';
/** `--- @include "<name>"`: the script (or include) uses `includes/<name>.lua`. */
const INCLUDE = /^--- @include "([\w-]+)"[ \t]*\r?\n?/gm;

const includesOf = (code: string): string[] => [...code.matchAll(INCLUDE)].map((m) => m[1]);

/**
 * The source of a script with its includes resolved: the files it names in
 * `--- @include` lines (looked up in the `includes/` folder beside it), and
 * those they name in turn, each once, every include before the ones that use
 * it, then the script body. An unknown include or a cycle fails loudly.
 * Include lines themselves are dropped.
 */
export function resolveIncludes(body: string, includesDir: string, what: string): string {
  const done = new Set<string>();
  const visiting: string[] = [];
  const out: string[] = [];
  const visit = (name: string, from: string) => {
    if (done.has(name)) return;
    if (visiting.includes(name))
      throw new Error(`Lua include cycle in ${what}: ${[...visiting.slice(visiting.indexOf(name)), name].join(' -> ')}`);
    let code: string;
    try {
      code = readFileSync(join(includesDir, `${name}.lua`), 'utf8');
    } catch {
      throw new Error(`Lua include "${name}" (named by ${from}) is missing from ${includesDir}`);
    }
    visiting.push(name);
    for (const dep of includesOf(code)) visit(dep, `${name}.lua`);
    visiting.pop();
    done.add(name);
    out.push(code.replace(INCLUDE, ''));
  };
  for (const name of includesOf(body)) visit(name, what);
  return PRELUDE + out.join('\n') + (out.length > 0 ? '\n' : '') + body.replace(INCLUDE, '');
}

/** Reads the `<name>-<numKeys>.lua` (and `<name>-<numKeys>+.lua`) files of a folder, each with its includes resolved. */
export function loadScriptFolder(dir: string): Map<string, ScriptSource> {
  const scripts = new Map<string, ScriptSource>();
  for (const file of readdirSync(dir)) {
    const match = /^([a-z-]+)-(\d+)(\+?)\.lua$/.exec(file);
    if (!match) continue;
    const name = match[1];
    scripts.set(name, {
      // The package version is part of the name, so two versions sharing a Redis never run each other's script.
      command: `nestjsOpenfga_${name.replace(/-/g, '_')}_${VERSION.replace(/\W/g, '_')}`,
      numberOfKeys: Number(match[2]),
      moreKeys: match[3] === '+',
      lua: resolveIncludes(readFileSync(join(dir, file), 'utf8'), join(dir, 'includes'), file),
    });
  }
  return scripts;
}

/** Script folders already read in this process, by path. */
const folders = new Map<string, Map<string, ScriptSource>>();

type ScriptReply = unknown;
type CommandFn = (...args: (string | number | (string | number)[])[]) => Promise<ScriptReply>;

/**
 * The one call path of every Lua script of the module: registered with
 * `defineCommand` (EVALSHA, falling back to EVAL after a script flush or a
 * failover) under a version-named command.
 *
 * Scripts are filed with the code that owns them, in a `lua` folder beside
 * it (`<name>-<number of keys>.lua`, helpers in its `includes/` folder).
 * Each owner adds its folder with `use` when it is built (WriteBuffer,
 * CheckCache, ChangeFeedPoller), so one instance serves them all. A folder is
 * read once per process; an unknown include, an include cycle or two folders
 * defining the same script name fail when the folder is added.
 */
export class LuaScripts {
  private readonly scripts = new Map<string, ScriptSource & { dir: string }>();

  constructor(
    private readonly redis: Redis | Cluster,
    /** Bounds every call (fails at once while Redis is known down); none: unbounded. */
    private readonly availability?: RedisAvailability,
  ) {}

  /** Adds the scripts of a folder (idempotent) and registers them on the client; returns this. */
  use(dir: string): this {
    let folder = folders.get(dir);
    if (!folder) {
      folder = loadScriptFolder(dir);
      folders.set(dir, folder);
    }
    for (const [name, source] of folder) {
      const known = this.scripts.get(name);
      if (known && known.dir !== dir) throw new Error(`Lua script "${name}" is defined in both ${known.dir} and ${dir}`);
      this.scripts.set(name, { ...source, dir });
      if (!(source.command in this.redis)) {
        // Without numberOfKeys, ioredis takes the key count as the first argument of each call.
        this.redis.defineCommand(
          source.command,
          source.moreKeys ? { lua: source.lua } : { numberOfKeys: source.numberOfKeys, lua: source.lua },
        );
      }
    }
    return this;
  }

  run<T = ScriptReply>(name: string, keys: string[], args: (string | number)[]): Promise<T> {
    if (!this.availability) return this.call<T>(name, keys, args);
    return this.availability.bound(operationOf(name), () => this.call<T>(name, keys, args));
  }

  private call<T>(name: string, keys: string[], args: (string | number)[]): Promise<T> {
    const source = this.scripts.get(name);
    if (!source) throw new Error(`Lua script "${name}" is not loaded (its owner adds its folder with LuaScripts.use)`);
    const fn = (this.redis as unknown as Record<string, CommandFn>)[source.command];
    // Keys and arguments go as arrays (ioredis flattens them): spread, a large call would overflow the stack.
    if (source.moreKeys) {
      if (keys.length < source.numberOfKeys)
        throw new Error(`Lua script "${name}" takes at least ${source.numberOfKeys} keys, got ${keys.length}`);
      return fn.call(this.redis, keys.length, keys, args) as Promise<T>;
    }
    if (keys.length !== source.numberOfKeys) throw new Error(`Lua script "${name}" takes ${source.numberOfKeys} keys, got ${keys.length}`);
    return fn.call(this.redis, keys, args) as Promise<T>;
  }
}

/** What a script call does, in the words of an error message. */
const OPERATIONS: Record<string, string> = {
  enqueue: 'buffering the operations',
  clear: 'clearing the buffer',
  'clear-retrying': 'clearing the buffer',
  backlog: 'counting what a clear would discard',
  status: 'reading the buffer status',
  snapshot: 'reading the pending operations a check depends on',
  'snapshot-many': 'reading the pending operations the checks depend on',
  populate: 'caching an answer',
  'populate-many': 'caching answers',
  claim: 'claiming a batch',
  'claim-tuples': 'claiming a batch',
  settle: 'settling a batch',
  'retry-dead': 'retrying dead letters',
  'purge-dead': 'purging dead letters',
};

function operationOf(script: string): string {
  return OPERATIONS[script] ?? `the ${script} script`;
}
