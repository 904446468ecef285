/**
 * scripts/ensure-deps.sh, which makes the README's first commands work on a
 * fresh clone. It runs in a temp copy with an `npm` stand-in first on PATH
 * that records how it was called (the real `npm ci` is exercised by a fresh
 * clone, see the README), so nothing here installs anything.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Checkout {
  dir: string;
  /** Runs the script; `npmFails` lists the npm subcommands the stand-in fails. */
  ensure(npmFails?: string[]): { status: number | null; stderr: string; npmCalls: string[] };
}

/** A checkout with the script and a lockfile listing `left-pad` (required) and `fsevents` (optional, other platforms). */
function checkout(): Checkout {
  const dir = mkdtempSync(join(tmpdir(), 'ensure-deps-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'ensure-deps.sh'), join(dir, 'scripts', 'ensure-deps.sh'));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'app' },
        'node_modules/left-pad': { version: '1.3.0' },
        'node_modules/left-pad/node_modules/nested': { version: '1.0.0' },
        'node_modules/fsevents': { version: '2.3.3', optional: true },
      },
    }),
  );
  const bin = join(dir, 'fake-bin');
  mkdirSync(bin);
  // The stand-in records its arguments; `ci`/`install` create what the lockfile lists unless told to fail.
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash
echo "$*" >> "${join(dir, 'npm-calls')}"
case " $NPM_FAILS " in *" $1 "*) exit 1 ;; esac
mkdir -p node_modules/left-pad && echo '{}' > node_modules/left-pad/package.json
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  return {
    dir,
    ensure(npmFails = []) {
      const out = spawnSync('bash', [join(dir, 'scripts', 'ensure-deps.sh')], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
        env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`, NPM_FAILS: npmFails.join(' ') },
      });
      const calls = existsSync(join(dir, 'npm-calls')) ? readFileSync(join(dir, 'npm-calls'), 'utf8').trim().split('\n') : [];
      rmSync(join(dir, 'npm-calls'), { force: true });
      return { status: out.status, stderr: out.stderr, npmCalls: calls };
    },
  };
}

describe('scripts/ensure-deps.sh', () => {
  const made: string[] = [];
  const fresh = () => {
    const c = checkout();
    made.push(c.dir);
    return c;
  };

  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('installs with npm ci on a fresh clone (no node_modules), then does nothing on the next run', () => {
    const c = fresh();
    const first = c.ensure();
    expect(first).toMatchObject({ status: 0, npmCalls: ['ci --no-audit --no-fund'] });
    expect(first.stderr).toContain('missing: node_modules');
    expect(c.ensure()).toEqual({ status: 0, stderr: '', npmCalls: [] });
  });

  it('installs when a package the lockfile lists is missing, but not for a missing optional or nested one', () => {
    const c = fresh();
    mkdirSync(join(c.dir, 'node_modules'));
    const run = c.ensure();
    expect(run).toMatchObject({ status: 0, npmCalls: ['ci --no-audit --no-fund'] });
    expect(run.stderr).toContain('missing: left-pad');
    expect(existsSync(join(c.dir, 'node_modules', 'fsevents'))).toBe(false);
    expect(c.ensure().npmCalls).toEqual([]);
  });

  it('falls back to npm install when npm ci fails, as .ci/run does, and fails when that fails too', () => {
    const c = fresh();
    expect(c.ensure(['ci'])).toMatchObject({ status: 0, npmCalls: ['ci --no-audit --no-fund', 'install --no-audit --no-fund'] });
    const broken = fresh();
    expect(broken.ensure(['ci', 'install'])).toMatchObject({
      status: 1,
      npmCalls: ['ci --no-audit --no-fund', 'install --no-audit --no-fund'],
    });
  });

  it('never installs into a node_modules shared through a symlink (npm ci would prune it): exits 1 saying what is missing', () => {
    const c = fresh();
    const shared = join(c.dir, 'shared-node-modules');
    mkdirSync(shared);
    symlinkSync(shared, join(c.dir, 'node_modules'), 'dir');
    const run = c.ensure();
    expect(run).toMatchObject({ status: 1, npmCalls: [] });
    expect(run.stderr).toContain('missing: left-pad');
    expect(run.stderr).toContain('is a symlink');
  });

  it('runs before anything that needs node_modules in the README commands and the other scripts', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['demo', 'bench', 'test:reliability', 'test:unit']) {
      expect(scripts[name].startsWith('bash scripts/ensure-deps.sh && ')).toBe(true);
    }
    expect(scripts.test).toBe('bash scripts/test.sh');
    const testSh = readFileSync(join(ROOT, 'scripts', 'test.sh'), 'utf8');
    const ensure = testSh.indexOf('bash scripts/ensure-deps.sh || exit 1');
    expect(ensure).toBeGreaterThan(0);
    expect(ensure).toBeLessThan(testSh.indexOf('bash scripts/install-servers.sh'));
    expect(ensure).toBeLessThan(testSh.indexOf('npx jest'));
  });

  it('finds every package of this repository’s lockfile in place here, so it runs no npm', () => {
    // The real checkout: with its dependencies installed the script is a no-op (an `npm` on PATH that fails proves it).
    const bin = mkdtempSync(join(tmpdir(), 'ensure-deps-nonpm-'));
    made.push(bin);
    writeFileSync(join(bin, 'npm'), '#!/usr/bin/env bash\necho "npm was called" >&2\nexit 1\n');
    chmodSync(join(bin, 'npm'), 0o755);
    const out = spawnSync('bash', [join(ROOT, 'scripts', 'ensure-deps.sh')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
  });
});
