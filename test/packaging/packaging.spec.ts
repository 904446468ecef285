/**
 * The package as users get it: `npm run build` and `npm pack` (in a staging
 * copy of the repository, so the repository's own dist/ is never touched),
 * then a fresh Nest app in a temp folder installs the tarball and its peers
 * from npm (local cache first), compiles against its typings with tsc
 * (CommonJS; `skipLibCheck: false`), boots OpenFgaModule.forRoot against the
 * real servers (grant, check, flush), imports `nestjs-openfga/testing` and
 * `nestjs-openfga/cli`, and runs the installed bin. Every step is bounded in
 * time and the temp folder is removed afterwards.
 *
 * Twice: on Nest 11, and on Nest 12 (ESM-only, loaded through require(esm))
 * with the Nest 12 majors of the optional peers (@nestjs/schedule,
 * @nestjs/terminus, @nestjs/event-emitter). The Nest 12 app's dependencies
 * are installed once per set of versions and kept under the OS temp folder.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transformer } from '@openfga/syntax-transformer';
import { freshStore, serverEnv } from '../support/harness/env';
import { PROJECT_ROOT } from '../support/harness/servers';
import type { TestStore } from '../support/harness/store';
import { MAIN_TS, OBSERVABILITY_TS, PEERS_TS, tsconfig } from './fresh-app';

interface Run {
  stdout: string;
  stderr: string;
}

/** The environment of child processes: this one's, without what npm/npx put in it for the jest run. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !k.startsWith('OPENFGA_')) env[k] = v;
  return { ...env, ...extra };
}

/** Runs a command to completion within `timeoutMs`; throws with its output when it fails. */
function run(command: string, args: string[], cwd: string, timeoutMs: number, env: NodeJS.ProcessEnv = childEnv()): Run {
  const out = spawnSync(command, args, {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.error || out.status !== 0) {
    const why = out.error ? out.error.message : `exit code ${out.status}${out.signal ? ` (${out.signal})` : ''}`;
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${why}\nstdout:\n${out.stdout}\nstderr:\n${out.stderr}`);
  }
  return { stdout: out.stdout, stderr: out.stderr };
}

const NPM = 'npm';
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

/** The versions this repository develops against, so the app's install is served from the npm cache when it can be. */
function devVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
  return `${name}@${pkg.version}`;
}

/**
 * Installs `specs` (exact versions) into the new app folder `app`, from a copy of an earlier
 * install of the same specs kept under the OS temp folder when there is one: every fresh clone
 * runs this file, and the install dominates its time. The tarball, which changes, is installed
 * on top afterwards by the caller.
 */
function installCached(app: string, specs: string[]): void {
  const cache = join(tmpdir(), 'nestjs-openfga-packaging-apps', createHash('sha256').update(specs.join('\n')).digest('hex').slice(0, 16));
  if (existsSync(cache)) {
    cpSync(cache, app, { recursive: true, verbatimSymlinks: true });
    return;
  }
  run(NPM, ['install', ...specs, ...INSTALL_FLAGS], app, 600_000);
  // Filled beside the cache, then renamed into place: a cache folder is complete or absent.
  const filling = `${cache}.${process.pid}`;
  rmSync(filling, { recursive: true, force: true });
  mkdirSync(filling, { recursive: true });
  cpSync(app, filling, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(filling, cache);
  } catch {
    rmSync(filling, { recursive: true, force: true }); // another run cached the same specs first
  }
}

interface Packed {
  /** The staging copy the tarball was built from. */
  stage: string;
  tarball: string;
  files: { path: string; mode: number }[];
}

let tmp: string | undefined;
let packed: Packed | undefined;

/** `npm run build` and `npm pack` in a staging copy of the repository, once for every suite of this file. */
function packOnce(): Packed {
  if (packed) return packed;
  tmp = mkdtempSync(join(tmpdir(), 'nestjs-openfga-pack-'));
  // A staging copy: the repository's build script and package.json, its node_modules linked.
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    if (existsSync(join(PROJECT_ROOT, entry))) cpSync(join(PROJECT_ROOT, entry), join(stage, entry), { recursive: true });
  }
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  run(NPM, ['run', 'build', '--silent'], stage, 300_000);
  const out = JSON.parse(run(NPM, ['pack', '--json', '--pack-destination', tmp, '--loglevel=error'], stage, 120_000).stdout) as {
    filename: string;
    files: { path: string; mode: number }[];
  }[];
  packed = { stage, tarball: join(tmp, out[0].filename), files: out[0].files };
  return packed;
}

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the packed tarball in a fresh Nest 11 app', () => {
  let tarball: string;
  let packedFiles: { path: string; mode: number }[];
  let stage: string;
  let app: string;
  let store: TestStore;
  let prefix: string;

  const appEnv = (keyPrefix = prefix) =>
    childEnv({
      OPENFGA_API_URL: serverEnv().apiUrl,
      OPENFGA_STORE_ID: store.storeId,
      OPENFGA_MODEL_ID: store.modelId,
      OPENFGA_REDIS_URL: serverEnv().redisUrl,
      OPENFGA_PREFIX: keyPrefix,
    });

  beforeAll(async () => {
    store = await freshStore('packaging');
    prefix = `pack${Date.now().toString(36)}`;
    ({ stage, tarball, files: packedFiles } = packOnce());

    // A fresh app installs the tarball, the peers it needs (nest-commander for the CLI), TypeScript and Node's types.
    app = join(tmp as string, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-nest-app', version: '0.0.0', private: true }, null, 2));
    run(
      NPM,
      [
        'install',
        tarball,
        devVersion('@nestjs/common'),
        devVersion('@nestjs/core'),
        devVersion('reflect-metadata'),
        devVersion('rxjs'),
        devVersion('nest-commander'),
        devVersion('typescript'),
        '@types/node@20',
        ...INSTALL_FLAGS,
      ],
      app,
      300_000,
    );
  }, 900_000);

  it('ships the compiled code, typings, the Lua scripts and an executable bin with a shebang', () => {
    const paths = packedFiles.map((f) => f.path);
    // Every Lua script of the staged source, next to the compiled buffer code that reads them.
    const lua = paths.filter((p) => /^dist\/buffer\/lua\/[^/]+\.lua$/.test(p)).map((p) => p.replace('dist/buffer/lua/', ''));
    const sourceLua = readdirSync(join(stage, 'src', 'buffer', 'lua')).filter((f) => f.endsWith('.lua'));
    expect(sourceLua.length).toBeGreaterThan(0);
    expect(lua.sort()).toEqual(sourceLua.sort());
    for (const entry of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/testing/index.js',
      'dist/testing/index.d.ts',
      'dist/cli/index.js',
      'dist/cli/index.d.ts',
    ]) {
      expect(paths).toContain(entry);
    }
    expect(paths).toContain('package.json');
    expect(paths.filter((p) => p.endsWith('.spec.js') || p.startsWith('src/') || p.startsWith('test/'))).toEqual([]);

    expect(packedFiles.find((f) => f.path === 'dist/cli/bin.js')).toBeDefined();
    expect(run('tar', ['-tzf', tarball], stage, 30_000).stdout.split('\n')).toContain('package/dist/cli/bin.js');

    // The "bin" entry: npm links it into node_modules/.bin and makes it executable on install.
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'nestjs-openfga', 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ 'nestjs-openfga': 'dist/cli/bin.js' });
    const installed = join(app, 'node_modules', 'nestjs-openfga', 'dist', 'cli', 'bin.js');
    expect(readFileSync(installed, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(installed).mode & 0o111).not.toBe(0);
    expect(existsSync(join(app, 'node_modules', '.bin', 'nestjs-openfga'))).toBe(true);
  });

  it('compiles against the typings (CommonJS, and nodenext resolution through "exports"), boots and runs grant, check and flush', () => {
    writeFileSync(join(app, 'src', 'main.ts'), MAIN_TS);
    writeFileSync(join(app, 'tsconfig.json'), tsconfig('commonjs', ['src/main.ts']));
    writeFileSync(join(app, 'tsconfig.nodenext.json'), tsconfig('nodenext', ['src/main.ts']));
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app, 180_000);
    run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json', '--noEmit'], app, 180_000);

    const out = run(process.execPath, ['dist/main.js'], app, 60_000, appEnv());
    expect(JSON.parse(out.stdout)).toEqual({
      beforeFlush: true,
      flushed: expect.objectContaining({ writes: 1, deletes: 0, failed: 0, deadLettered: 0 }),
      afterFlush: true,
      denied: false,
      pending: 1,
      testingModule: 'function',
      cliModule: 'function',
      cliEnv: expect.arrayContaining(['OPENFGA_API_URL', 'OPENFGA_STORE_ID', 'OPENFGA_REDIS_URL']),
      loaded: [],
    });
  });

  it('runs the installed bin: npx nestjs-openfga openfga:cache:status --json', () => {
    const out = run('npx', ['--no', 'nestjs-openfga', 'openfga:cache:status', '--json'], app, 60_000, appEnv());
    const status = JSON.parse(out.stdout) as { pending: { total: number; writes: number }; deadLettered: number };
    expect(status.pending).toEqual({ writes: 1, deletes: 0, total: 1 }); // the grant main.js left pending
    expect(status.deadLettered).toBe(0);
  });

  it('runs `nestjs-openfga model types` with no environment: a clear error without its optional peer, then types that compile', () => {
    writeFileSync(join(app, 'model.fga'), readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'model.fga')));
    const bin = ['--no', 'nestjs-openfga', 'model', 'types', 'model.fga', '--out', 'src/openfga.types.ts'];
    const missing = spawnSync('npx', bin, { cwd: app, env: childEnv(), encoding: 'utf8', timeout: 60_000 });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      'needs the "@openfga/syntax-transformer" package: install it with `npm install @openfga/syntax-transformer`',
    );

    run(NPM, ['install', '-D', devVersion('@openfga/syntax-transformer'), ...INSTALL_FLAGS], app, 300_000);
    run('npx', bin, app, 60_000);
    writeFileSync(
      join(app, 'src', 'typed.ts'),
      [
        "import { Controller, Get } from '@nestjs/common';",
        "import { Check } from './openfga.types';",
        "@Controller('documents')",
        'export class DocumentsController {',
        "  @Get(':id')",
        "  @Check('viewer', 'document:{params.id}')",
        '  read() {}',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(app, 'tsconfig.typed.json'), tsconfig('commonjs', ['src/typed.ts']));
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.typed.json', '--noEmit'], app, 180_000);
    writeFileSync(join(app, 'src', 'typed.ts'), readFileSync(join(app, 'src', 'typed.ts'), 'utf8').replace("'viewer'", "'veiwer'"));
    const typo = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.typed.json', '--noEmit'], {
      cwd: app,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(typo.status).not.toBe(0);
    expect(typo.stdout).toContain(`src/typed.ts(6,10): error TS2345: Argument of type '"veiwer"' is not assignable to parameter of type`);
  });

  it('evaluates conditions in OpenFgaFake once its optional peer @bufbuild/cel is installed, and says so before', () => {
    const model = transformer.transformDSLToJSONObject(
      readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'condition-samples.fga'), 'utf8'),
    );
    writeFileSync(join(app, 'conditions.json'), JSON.stringify(model));
    const script = [
      "const { OpenFgaFake } = require('nestjs-openfga/testing');",
      '(async () => {',
      "  const fake = new OpenFgaFake({ model: 'conditions.json' });",
      "  await fake.grant('user:anne', 'is_valid', 'datatype_test:one', { condition: { name: 'is_valid_ipaddress', context: { _ipaddress: '10.0.0.1' } } });",
      "  await fake.grant('user:bob', 'is_valid', 'datatype_test:one', { condition: { name: 'is_valid_ipaddress', context: { _ipaddress: '192.0.0.1' } } });",
      "  const answers = await Promise.all(['user:anne', 'user:bob'].map((u) => fake.check(u, 'is_valid', 'datatype_test:one')));",
      '  process.stdout.write(JSON.stringify(answers));',
      '})().catch((err) => process.stdout.write(JSON.stringify(`${err.name}: ${err.message}`)));',
    ].join('\n');
    const answers = () => JSON.parse(run(process.execPath, ['-e', script], app, 60_000).stdout) as unknown;
    expect(answers()).toBe(
      'MissingPeerDependencyError: OpenFgaFake evaluating a condition needs the "@bufbuild/cel" package: install it with `npm install @bufbuild/cel`',
    );
    // npm installs its peer @bufbuild/protobuf with it.
    run(NPM, ['install', '-D', devVersion('@bufbuild/cel'), ...INSTALL_FLAGS], app, 300_000);
    expect(answers()).toEqual([true, false]);
  });

  it('runs the observability modules once their optional peers are installed; the main entry still loads none of them', () => {
    run(
      NPM,
      ['install', devVersion('prom-client'), devVersion('@nestjs/event-emitter'), devVersion('@opentelemetry/api'), ...INSTALL_FLAGS],
      app,
      300_000,
    );
    writeFileSync(join(app, 'src', 'observability.ts'), OBSERVABILITY_TS);
    writeFileSync(join(app, 'tsconfig.observability.json'), tsconfig('commonjs', ['src/observability.ts']));
    run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.observability.json'], app, 180_000);

    // A key prefix of its own: main.js left a grant pending under the other one.
    const observed = JSON.parse(run(process.execPath, ['dist/observability.js'], app, 60_000, appEnv(`${prefix}obs`)).stdout) as {
      metrics: string;
      flushes: { storeId: string; writes: number }[];
    };
    expect(observed.metrics).toMatch(
      /^nestjs_openfga_operations_flushed_total\{connection="default",store="[0-9A-Z]{26}",operation="grant"\} 1$/m,
    );
    expect(observed.metrics).toMatch(/^nestjs_openfga_checks_total\{connection="default",store="[0-9A-Z]{26}",source="openfga"\} 1$/m);
    expect(observed.flushes).toEqual([{ storeId: store.storeId, writes: 1 }]);

    // With prom-client and @nestjs/event-emitter now installed, an app that does not use them still does not load them.
    const main = JSON.parse(run(process.execPath, ['dist/main.js'], app, 60_000, appEnv()).stdout) as { loaded: string[] };
    expect(main.loaded).toEqual([]);
  });
});

/**
 * Nest 12 is ESM-only: the CommonJS package (and this CommonJS app) load it
 * through require(esm), which Node has unflagged since 20.19 / 22.12.
 * Versions are pinned (the first nest-commander whose peers admit Nest 12),
 * so the cached install is reused until they change here.
 */
const NEST12_APP = [
  '@nestjs/common@12.5.1',
  '@nestjs/core@12.5.1',
  '@nestjs/schedule@12.0.2',
  '@nestjs/terminus@12.1.0',
  '@nestjs/event-emitter@12.0.1',
  'nest-commander@3.21.0',
  'reflect-metadata@0.2.2',
  'rxjs@7.8.2',
];

describe('the packed tarball in a fresh Nest 12 app', () => {
  let app: string;
  let store: TestStore;
  let prefix: string;

  const appEnv = (keyPrefix = prefix) =>
    childEnv({
      OPENFGA_API_URL: serverEnv().apiUrl,
      OPENFGA_STORE_ID: store.storeId,
      OPENFGA_MODEL_ID: store.modelId,
      OPENFGA_REDIS_URL: serverEnv().redisUrl,
      OPENFGA_PREFIX: keyPrefix,
    });
  const tsc = (project: string, ...flags: string[]) =>
    run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, ...flags], app, 180_000);

  beforeAll(async () => {
    store = await freshStore('packaging-nest12');
    prefix = `pack12${Date.now().toString(36)}`;
    const { tarball } = packOnce();
    app = join(tmp as string, 'app-nest12');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-nest12-app', version: '0.0.0', private: true }, null, 2));
    installCached(app, [
      ...NEST12_APP,
      devVersion('prom-client'),
      devVersion('@opentelemetry/api'),
      devVersion('typescript'),
      devVersion('@types/node'),
    ]);
    run(NPM, ['install', tarball, ...INSTALL_FLAGS], app, 300_000);
    mkdirSync(join(app, 'src'), { recursive: true });
  }, 900_000);

  it('installs Nest 12 itself, ESM-only', () => {
    const core = JSON.parse(readFileSync(join(app, 'node_modules', '@nestjs', 'core', 'package.json'), 'utf8')) as {
      version: string;
      type: string;
    };
    expect(core).toMatchObject({ version: '12.5.1', type: 'module' });
  });

  it('compiles against the typings (CommonJS, and nodenext resolution through "exports"), boots and runs grant, check and flush', () => {
    // One compilation for the three programs of this app (the later cases run the other two): tsc dominates this file's time.
    writeFileSync(join(app, 'src', 'main.ts'), MAIN_TS);
    writeFileSync(join(app, 'src', 'observability.ts'), OBSERVABILITY_TS);
    writeFileSync(join(app, 'src', 'peers.ts'), PEERS_TS);
    writeFileSync(join(app, 'tsconfig.json'), tsconfig('commonjs', ['src/main.ts', 'src/observability.ts', 'src/peers.ts']));
    writeFileSync(join(app, 'tsconfig.nodenext.json'), tsconfig('nodenext', ['src/main.ts']));
    tsc('tsconfig.json');
    tsc('tsconfig.nodenext.json', '--noEmit');

    const out = run(process.execPath, ['dist/main.js'], app, 60_000, appEnv());
    expect(JSON.parse(out.stdout)).toEqual({
      beforeFlush: true,
      flushed: expect.objectContaining({ writes: 1, deletes: 0, failed: 0, deadLettered: 0 }),
      afterFlush: true,
      denied: false,
      pending: 1,
      testingModule: 'function',
      cliModule: 'function',
      cliEnv: expect.arrayContaining(['OPENFGA_API_URL', 'OPENFGA_STORE_ID', 'OPENFGA_REDIS_URL']),
      loaded: [], // prom-client and @nestjs/event-emitter are installed here, and still not loaded
    });
  });

  it('runs the installed bin (nest-commander on Nest 12): npx nestjs-openfga openfga:cache:status --json', () => {
    const out = run('npx', ['--no', 'nestjs-openfga', 'openfga:cache:status', '--json'], app, 60_000, appEnv());
    const status = JSON.parse(out.stdout) as { pending: { total: number; writes: number }; deadLettered: number };
    expect(status.pending).toEqual({ writes: 1, deletes: 0, total: 1 }); // the grant main.js left pending
    expect(status.deadLettered).toBe(0);
  });

  it('runs the observability modules with @nestjs/event-emitter 12', () => {
    const observed = JSON.parse(run(process.execPath, ['dist/observability.js'], app, 60_000, appEnv(`${prefix}obs`)).stdout) as {
      metrics: string;
      flushes: { storeId: string; writes: number }[];
    };
    expect(observed.metrics).toMatch(
      /^nestjs_openfga_operations_flushed_total\{connection="default",store="[0-9A-Z]{26}",operation="grant"\} 1$/m,
    );
    expect(observed.flushes).toEqual([{ storeId: store.storeId, writes: 1 }]);
  });

  it('flushes on a cron through @nestjs/schedule 12 and reports health through @nestjs/terminus 12', () => {
    const out = JSON.parse(run(process.execPath, ['dist/peers.js'], app, 60_000, appEnv(`${prefix}peers`)).stdout) as unknown;
    expect(out).toEqual({
      cronRegistered: true,
      pendingAfterCron: 0,
      allowed: true,
      health: 'ok',
      details: { openfga: expect.objectContaining({ status: 'up' }) },
    });
  });
});
