/**
 * Importing `nestjs-openfga/testing` must not need a server: it must not load
 * the Redis client, BullMQ, terminus or the scheduler; nor the CEL evaluator
 * (optional peers, loaded when a check first reaches a condition). (@openfga/sdk is loaded,
 * through openfga.service.ts -> client/classify-error.ts for `FgaApiError`; it is
 * a plain dependency and opens nothing on import.) Checked in a plain Node
 * process: Jest's own module registry would hide what Node really loads.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const HEAVY = /node_modules[\\/](ioredis|bullmq|@nestjs[\\/]bullmq|@nestjs[\\/]terminus|@nestjs[\\/]schedule|@bufbuild[\\/][^\\/]+)[\\/]/;

it('loads without ioredis, BullMQ, terminus, schedule or the CEL evaluator', () => {
  const script = [
    "const testing = require('./src/testing');",
    "if (typeof testing.OpenFgaFake !== 'function' || typeof testing.OpenFgaTestingModule !== 'function') throw new Error('exports missing');",
    'process.stdout.write(JSON.stringify(Object.keys(require.cache)));',
  ].join('\n');
  const out = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  const loaded = JSON.parse(out.stdout) as string[];
  expect(loaded.some((f) => f.endsWith(join('src', 'testing', 'openfga-fake.ts')))).toBe(true);
  expect(loaded.filter((f) => HEAVY.test(f))).toEqual([]);
});
