/**
 * `npm run demo`, one of the README's two commands, run as users run it: the
 * scripted example-app scenario against its own real redis-server and
 * OpenFGA. Every step must match; a behaviour change the demo's narrative no
 * longer fits fails here rather than on a user's first run.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/harness/servers';

it('npm run demo: every step of the scripted scenario matches', async () => {
  const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(PROJECT_ROOT, 'example-app', 'src', 'demo.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
  const mismatched = run.out.split('\n').filter((line) => line.startsWith('✘'));
  expect({ code: run.code, mismatched }).toEqual({ code: 0, mismatched: [] });
  expect(run.out).toMatch(/All 25 steps matched/);
}, 120_000);
