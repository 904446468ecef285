/**
 * @nestjs/graphql is an optional peer: HTTP-only apps must not need it. The
 * main entry, and the guard answering an HTTP request, never load it. Checked
 * in a plain Node process: Jest's module registry would hide what Node loads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

it('neither importing the package nor guarding an HTTP request loads @nestjs/graphql', () => {
  const script = [
    "require('reflect-metadata');",
    "const { Reflector } = require('@nestjs/core');",
    "const { ExecutionContextHost } = require('@nestjs/core/helpers/execution-context-host');",
    "const { Check, OpenFgaGuard } = require('./src');",
    'class Documents { read() {} }',
    "Check('viewer', 'document:{params.id}')(Documents.prototype, 'read', Object.getOwnPropertyDescriptor(Documents.prototype, 'read'));",
    'const openfga = { check: async () => true };',
    'const guard = new OpenFgaGuard(openfga, {}, new Reflector());',
    "const request = { user: { id: 'anne' }, params: { id: '1' } };",
    'const ctx = new ExecutionContextHost([request, {}], Documents, Documents.prototype.read);',
    'guard.canActivate(ctx).then((allowed) => {',
    '  const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@nestjs[\\\\/](graphql|apollo)|graphql)[\\\\/]/.test(f));',
    '  process.stdout.write(JSON.stringify({ allowed, loaded }));',
    '});',
  ].join('\n');
  const out = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
  });
  expect(out.stderr).toBe('');
  expect(JSON.parse(out.stdout)).toEqual({ allowed: true, loaded: [] });
});
