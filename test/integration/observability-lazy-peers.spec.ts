/**
 * prom-client, @opentelemetry/api and @nestjs/event-emitter are optional
 * peers: the main entry must not load them at import time, and a module that
 * needs one that is missing must say what to install. Checked in plain Node
 * processes: Jest's own module registry would hide what Node really loads.
 * (@opentelemetry/api itself is a dependency of @openfga/sdk, which loads it;
 * so only this package's own code is checked not to need it installed.)
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

it('importing the main entry loads neither prom-client nor @nestjs/event-emitter (nor eventemitter2)', () => {
  const out = runNode(
    [
      "const main = require('./src');",
      "for (const name of ['OpenFgaMetricsModule', 'OpenFgaTracingModule', 'OpenFgaEventEmitterModule', 'OPENFGA_NEST_EVENTS']) {",
      "  if (!main[name]) throw new Error('missing export ' + name);",
      '}',
      'process.stdout.write(JSON.stringify(Object.keys(require.cache)));',
    ].join('\n'),
  );
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  const loaded = JSON.parse(out.stdout) as string[];
  expect(loaded.some((f) => f.endsWith(join('src', 'observability', 'openfga-metrics.ts')))).toBe(true);
  expect(loaded.filter((f) => /node_modules[\\/](prom-client|@nestjs[\\/]event-emitter|eventemitter2)[\\/]/.test(f))).toEqual([]);
});

it('says which package to install when a module needs an optional peer that is not installed', () => {
  // Makes the three peers unresolvable for this package's code, as in an app that does not have them.
  const out = runNode(
    [
      "const Module = require('node:module');",
      'const resolve = Module._resolveFilename;',
      "const missing = new Set(['prom-client', '@opentelemetry/api', '@nestjs/event-emitter']);",
      // Only for this package's code: @openfga/sdk needs @opentelemetry/api itself.
      'Module._resolveFilename = function (request, parent, ...rest) {',
      "  if (missing.has(request) && /[\\\\/]src[\\\\/]observability[\\\\/]/.test(parent?.filename ?? '')) {",
      "    const err = new Error(`Cannot find module '${request}'`);",
      "    err.code = 'MODULE_NOT_FOUND';",
      '    throw err;',
      '  }',
      '  return resolve.call(this, request, parent, ...rest);',
      '};',
      "require('reflect-metadata');",
      "const { Test } = require('@nestjs/testing');",
      "const main = require('./src');",
      "const { OpenFgaTestingModule } = require('./src/testing');",
      '(async () => {',
      '  const messages = [];',
      '  for (const mod of [main.OpenFgaMetricsModule, main.OpenFgaTracingModule, main.OpenFgaEventEmitterModule]) {',
      '    try {',
      '      const app = await Test.createTestingModule({ imports: [OpenFgaTestingModule.forRoot(), mod] }).compile();',
      '      await app.init();',
      "      messages.push('started');",
      '    } catch (err) {',
      "      messages.push(`${err.name}: ${err.message} [${err instanceof main.MissingPeerDependencyError ? 'typed' : 'untyped'}]`);",
      '    }',
      '  }',
      '  process.stdout.write(JSON.stringify(messages));',
      '})();',
    ].join('\n'),
  );
  expect(out.status).toBe(0);
  expect(JSON.parse(out.stdout)).toEqual([
    'MissingPeerDependencyError: OpenFgaMetricsModule needs the "prom-client" package: install it with `npm install prom-client` [typed]',
    'MissingPeerDependencyError: OpenFgaTracingModule needs the "@opentelemetry/api" package: install it with `npm install @opentelemetry/api` [typed]',
    'MissingPeerDependencyError: OpenFgaEventEmitterModule needs the "@nestjs/event-emitter" package: install it with `npm install @nestjs/event-emitter` [typed]',
  ]);
});
