/**
 * Imports point down only (docs/design.md §7). Each folder of src has a
 * layer; a file may import from its own layer or a lower one. Two allowances,
 * both without a code dependency: a type-only import of a file that imports
 * nothing itself (a plain data shape, such as FlushResult), and Nest's Logger
 * through the one seam src/logging/core-logger.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');
const NEST = 7;
/** Folders by layer; files at the root of src and the folders not listed are the Nest layer. */
const LAYERS: Record<string, number> = {
  tuple: 0,
  options: 0,
  errors: 0,
  events: 0,
  logging: 0,
  timing: 0,
  model: 0,
  redis: 1,
  scope: 1,
  client: 1,
  consistency: 1,
  buffer: 2,
  cache: 2,
  flush: 3,
  queue: 3,
  changefeed: 3,
  read: 4,
  check: 5,
  list: 5,
  core: 6,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(file: string): number {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? (LAYERS[parts[0]] ?? NEST) : NEST;
}

const IMPORT = /^(import|export)(\s+type)?[^'"]*?from '([^']+)'/gm;

function importsOf(file: string): { spec: string; typeOnly: boolean }[] {
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({ spec: m[3], typeOnly: m[2] !== undefined }));
}

function resolve(from: string, spec: string): string {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* not this one */
    }
  }
  throw new Error(`${relative(SRC, from)} imports ${spec}, which does not resolve`);
}

describe('layers', () => {
  const all = files(SRC);

  it('no import points from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const file of all) {
      for (const { spec, typeOnly } of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(file, spec);
        if (layerOf(target) <= layerOf(file)) continue;
        if (typeOnly && importsOf(target).length === 0) continue;
        upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('below the Nest layer nothing imports Nest, except the logging seam', () => {
    const nest = all
      .filter((file) => layerOf(file) < NEST && !file.endsWith(join('logging', 'core-logger.ts')))
      .flatMap((file) =>
        importsOf(file)
          .filter(({ spec }) => spec.startsWith('@nestjs/'))
          .map(({ spec }) => `${relative(SRC, file)} -> ${spec}`),
      );
    expect(nest).toEqual([]);
  });
});
