/**
 * The project's source compiled as `npm run build` compiles it, with the
 * child-process scripts of the tests, for every test that runs one of them
 * (the bin, a second "process" of the app). Through ts-node each child
 * transpiled the whole source again: 3.8 s before it did anything
 * (measured). The build is made once per version of the source (a hash of
 * src/, test/support/, the manifest and the compiler settings) under
 * .tools/compiled, and reused by later runs.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../harness/servers';

const BUILDS = join(PROJECT_ROOT, '.tools', 'compiled');
/** Compiled with src: the scripts tests start as child processes (and what they import). */
const CHILD_SCRIPTS = join('test', 'support', 'processes', 'child');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...filesUnder(join(PROJECT_ROOT, 'src')),
    ...filesUnder(join(PROJECT_ROOT, 'test', 'support')),
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => join(PROJECT_ROOT, f)),
  ].sort();
  for (const file of files) hash.update(relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function build(dir: string): void {
  mkdirSync(BUILDS, { recursive: true });
  // Built beside, then renamed into place: a run that stops half-way, or a second build at once, leaves no half build.
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const config = join(staging, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(PROJECT_ROOT, 'tsconfig.build.json'),
      compilerOptions: { rootDir: PROJECT_ROOT, outDir: staging },
      include: [join(PROJECT_ROOT, 'src'), join(PROJECT_ROOT, CHILD_SCRIPTS)],
      exclude: ['**/*.spec.ts'],
    }),
  );
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { cwd: PROJECT_ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'copy-lua.js'), join(staging, 'src')], { stdio: 'pipe' });
  // The compiled code reads the package's version from ../../package.json, as in the published package.
  copyFileSync(join(PROJECT_ROOT, 'package.json'), join(staging, 'package.json'));
  try {
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(dir)) throw err; // else another run built it first
  }
  // Builds of older sources are never used again.
  for (const old of readdirSync(BUILDS))
    if (join(BUILDS, old) !== dir && !old.includes('.')) rmSync(join(BUILDS, old), { recursive: true, force: true });
}

/** This test file's build: the source does not change during a run, so it is hashed (and built) once. */
let current: string | undefined;

/** The compiled JavaScript of a project file (`src/cli/bin.ts`, a child script), built first when the source changed. */
export function compiled(projectPath: string): string {
  const dir = (current ??= join(BUILDS, sourceHash()));
  if (!existsSync(join(dir, 'package.json'))) build(dir);
  const js = join(dir, projectPath.replace(/\.ts$/, '.js'));
  if (!existsSync(js)) throw new Error(`${projectPath} is not part of the compiled tree (${dir})`);
  return js;
}

/** The compiled `nestjs-openfga` bin (src/cli/bin.ts). */
export function compiledBin(): string {
  return compiled(join('src', 'cli', 'bin.ts'));
}

/** A child script of test/support/processes/child, compiled. */
export function compiledChild(script: string): string {
  return compiled(join(CHILD_SCRIPTS, script));
}
