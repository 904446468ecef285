/**
 * A throwaway PostgreSQL cluster for OpenFGA's postgres datastore: initdb into
 * a temp dir, `pg_ctl start` on a free loopback port (listening on 127.0.0.1
 * only, its unix socket in the same temp dir, trust auth), one database;
 * `stop()` stops the cluster and deletes the dir. Uses the newest
 * /usr/lib/postgresql/<version>/bin (scripts/install-servers.sh installs
 * Debian's `postgresql` there).
 *
 * initdb and postgres refuse to run as root: as root, both run as the
 * unprivileged `postgres` user the Debian package creates (runuser), and the
 * temp dir is handed to that user.
 */
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, RunningServer } from './servers';

export interface RunningPostgres extends RunningServer {
  port: number;
  database: string;
  /** postgres://postgres@127.0.0.1:<port>/<database>?sslmode=disable */
  url: string;
  version: string;
}

/** The bin dir of the newest installed PostgreSQL, or an error naming what is missing. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `no PostgreSQL found (no ${root}/*/bin/initdb); scripts/install-servers.sh installs it with apt-get install postgresql`,
    );
  }
  return join(root, versions[0], 'bin');
}

const STEP_TIMEOUT_MS = 60_000;

/** pg_ctl detaches the server from this process: clusters still running at exit are stopped (immediate) and deleted. */
const liveClusters = new Set<() => void>();
process.once('exit', () => liveClusters.forEach((stopNow) => stopNow()));

export async function startPostgres(database = 'openfga'): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const asRoot = userInfo().uid === 0;
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0 || gid.status !== 0) {
      throw new Error(
        'running as root, and initdb refuses root: no unprivileged "postgres" user to run it as (Debian\'s package creates one)',
      );
    }
    owner = { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  const run = (tool: string, args: string[]): SpawnSyncReturns<string> =>
    asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { encoding: 'utf8', timeout: STEP_TIMEOUT_MS })
      : spawnSync(join(bin, tool), args, { encoding: 'utf8', timeout: STEP_TIMEOUT_MS });
  const must = (what: string, out: SpawnSyncReturns<string>) => {
    if (out.error || out.status !== 0) {
      // The tools print their errors on stderr (stdout is progress chatter).
      const text = (out.stderr?.trim() ? out.stderr : (out.stdout ?? '')).trim();
      const detail = out.error?.message ?? text.split('\n').slice(-3).join(' / ');
      throw new Error(`${what} failed (exit ${out.status ?? out.signal}): ${detail}`);
    }
  };

  const dir = mkdtempSync(join(tmpdir(), 'nestjs-openfga-postgres-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const port = await freePort();
  let started = false;
  const stopWith = (mode: 'fast' | 'immediate') => {
    liveClusters.delete(stopNow);
    if (started) {
      started = false;
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const stopNow = () => stopWith('immediate');
  liveClusters.add(stopNow);
  const stop = async () => stopWith('fast');
  try {
    // --no-sync only skips fsync of the fresh files: the running server keeps fsync on, like production.
    must('initdb', run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']));
    const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=100`;
    const ctl = run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', serverOptions, 'start']);
    if (ctl.status === 0) started = true;
    else {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' / ') : '';
      must('pg_ctl start', { ...ctl, stderr: `${ctl.stderr}${tail ? ` log: ${tail}` : ''}` });
    }
    must('createdb', run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', database]));
    const version = /\(PostgreSQL\) (\S+)/.exec(run('postgres', ['--version']).stdout)?.[1] ?? 'unknown';
    return {
      port,
      database,
      url: `postgres://postgres@127.0.0.1:${port}/${database}?sslmode=disable`,
      version,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
