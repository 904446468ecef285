/**
 * @nestjs/bullmq (and bullmq) are optional peers: the main entry must not
 * load them, and queue mode without @nestjs/bullmq installed must say what to
 * install. Checked in plain Node processes: Jest's module registry would hide
 * what Node really loads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function runNode(script: string): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

it('importing the main entry and defining OpenFgaModule without queue mode loads neither bullmq nor @nestjs/bullmq', () => {
  const out = runNode(
    [
      "require('reflect-metadata');",
      "const main = require('./src');",
      "if (main.OPENFGA_FLUSH_QUEUE !== 'openfga-flush') throw new Error('missing export OPENFGA_FLUSH_QUEUE');",
      "main.OpenFgaModule.forRoot({ apiUrl: 'http://127.0.0.1:1', storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', redis: 'redis://127.0.0.1:1' });",
      'process.stdout.write(JSON.stringify(Object.keys(require.cache)));',
    ].join('\n'),
  );
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  const loaded = JSON.parse(out.stdout) as string[];
  expect(loaded.some((f) => f.endsWith(join('src', 'openfga.module.ts')))).toBe(true);
  expect(loaded.filter((f) => /node_modules[\\/](bullmq|@nestjs[\\/]bullmq)[\\/]/.test(f))).toEqual([]);
});

it('queue mode without @nestjs/bullmq installed: a MissingPeerDependencyError naming the package, for forRoot and forRootAsync', () => {
  // Makes @nestjs/bullmq unresolvable for this package's code, as in an app that does not have it.
  const out = runNode(
    [
      "const Module = require('node:module');",
      'const resolve = Module._resolveFilename;',
      'Module._resolveFilename = function (request, parent, ...rest) {',
      "  if (request === '@nestjs/bullmq' && /[\\\\/]src[\\\\/]/.test(parent?.filename ?? '')) {",
      "    const err = new Error(`Cannot find module '${request}'`);",
      "    err.code = 'MODULE_NOT_FOUND';",
      '    throw err;',
      '  }',
      '  return resolve.call(this, request, parent, ...rest);',
      '};',
      "require('reflect-metadata');",
      "const main = require('./src');",
      "const options = { apiUrl: 'http://127.0.0.1:1', storeId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', redis: 'redis://127.0.0.1:1' };",
      'const messages = [];',
      'for (const define of [',
      '  () => main.OpenFgaModule.forRoot({ ...options, queue: { enabled: true } }),',
      '  () => main.OpenFgaModule.forRootAsync({ bullQueue: true, useFactory: () => options }),',
      ']) {',
      '  try {',
      '    define();',
      "    messages.push('defined');",
      '  } catch (err) {',
      "    messages.push(`${err.name}: ${err.message} [${err instanceof main.MissingPeerDependencyError ? 'typed' : 'untyped'}]`);",
      '  }',
      '}',
      'process.stdout.write(JSON.stringify(messages));',
    ].join('\n'),
  );
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  const message =
    'MissingPeerDependencyError: OpenFgaModule queue mode (option "queue.enabled") needs the "@nestjs/bullmq" package: install it with `npm install @nestjs/bullmq` [typed]';
  expect(JSON.parse(out.stdout)).toEqual([message, message]);
});
