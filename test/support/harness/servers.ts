/**
 * Starts the real servers the suite runs against: redis-server and OpenFGA,
 * on free loopback ports with their own temp dirs. Used by the Jest global
 * setup, the demo and the benchmarks, so all three see the same servers.
 *
 * NESTJS_OPENFGA_SERVERS=testcontainers starts them in Docker instead (for
 * machines with a Docker engine); the default needs no Docker.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
export const OPENFGA_BIN = join(PROJECT_ROOT, '.tools', 'bin', 'openfga');
export const OPENFGA_IMAGE = 'openfga/openfga:v1.18.1';
export const REDIS_IMAGE = 'redis:7.0';

export interface RunningServer {
  /** Stops the server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RunningRedis extends RunningServer {
  host: string;
  port: number;
  url: string;
  dir: string;
  /** Stops with SIGKILL (or SHUTDOWN NOSAVE semantics) and starts again on the same port and dir. */
  restart(): Promise<void>;
  /** Sends a signal to the server process: SIGSTOP/SIGCONT to stall it, SIGKILL to crash it (not restarted). */
  signal(signal: NodeJS.Signals): void;
}

export interface RunningOpenFga extends RunningServer {
  apiUrl: string;
  maxTuplesPerWrite: number;
  /** Stops the server; `start()` runs it again on the same ports (and datastore file, for sqlite). */
  pause(): Promise<void>;
  start(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, child?: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} while starting`);
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

export function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill(signal);
  });
}

/** Children are killed when this process exits, also on a crash, so no server outlives a run. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => liveChildren.forEach((c) => c.kill('SIGKILL')));
export function track(child: ChildProcess): ChildProcess {
  liveChildren.add(child);
  // A missing binary surfaces as a clear error instead of an unhandled 'error' event.
  child.on('error', (err) =>
    process.stderr.write(`[servers] could not start ${child.spawnfile}: ${err.message} (run scripts/install-servers.sh)\n`),
  );
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

export async function redisPing(port: number): Promise<boolean> {
  const out = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'PING'], { encoding: 'utf8' });
  return out.stdout.trim() === 'PONG';
}

export interface RedisOptions {
  /** Extra redis-server arguments, e.g. ['--appendonly', 'yes', '--appendfsync', 'everysec']. */
  args?: string[];
  port?: number;
}

export async function startRedis(options: RedisOptions = {}): Promise<RunningRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-openfga-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = track(
      spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...(options.args ?? [])],
        { stdio: 'ignore' },
      ),
    );
    await waitUntil(`redis-server on ${port}`, () => redisPing(port), 15_000, child);
  };
  await launch();
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart() {
      await stopChild(child, 'SIGKILL');
      await launch();
    },
    signal(signal) {
      child?.kill(signal);
    },
    async stop() {
      child?.kill('SIGCONT');
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OpenFgaOptions {
  /**
   * 'memory' (default) forgets everything on restart; 'sqlite' keeps data in a temp file;
   * 'postgres' uses the database at `datastoreUri` (see startPostgres in ./postgres).
   */
  engine?: 'memory' | 'sqlite' | 'postgres';
  /** The postgres engine's database, e.g. postgres://postgres@127.0.0.1:5432/openfga?sslmode=disable. */
  datastoreUri?: string;
  maxTuplesPerWrite?: number;
  /** Extra `openfga run` arguments, e.g. ['--check-query-cache-enabled']. */
  args?: string[];
}

export async function startOpenFga(options: OpenFgaOptions = {}): Promise<RunningOpenFga> {
  const engine = options.engine ?? 'memory';
  const maxTuplesPerWrite = options.maxTuplesPerWrite ?? 100;
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-openfga-openfga-'));
  if (engine === 'postgres' && !options.datastoreUri) throw new Error('startOpenFga: the postgres engine needs a datastoreUri');
  const datastore =
    engine === 'sqlite'
      ? ['--datastore-engine', 'sqlite', '--datastore-uri', `file:${join(dir, 'openfga.db')}`]
      : engine === 'postgres'
        ? ['--datastore-engine', 'postgres', '--datastore-uri', options.datastoreUri!]
        : ['--datastore-engine', 'memory'];
  if (engine !== 'memory') {
    const migrated = spawnSync(OPENFGA_BIN, ['migrate', ...datastore], { encoding: 'utf8', timeout: 120_000 });
    if (migrated.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(
        `openfga migrate (${engine}) failed: ${migrated.error?.message ?? migrated.stderr.trim().split('\n').slice(-2).join(' / ')}`,
      );
    }
  }
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = track(
      spawn(
        OPENFGA_BIN,
        [
          'run',
          ...datastore,
          '--http-addr',
          `127.0.0.1:${httpPort}`,
          '--grpc-addr',
          `127.0.0.1:${grpcPort}`,
          '--metrics-enabled=false',
          '--playground-enabled=false',
          '--log-level',
          'warn',
          '--max-tuples-per-write',
          String(maxTuplesPerWrite),
          ...(options.args ?? []),
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      ),
    );
    await waitUntil(
      `openfga on ${httpPort}`,
      async () => {
        const res = await fetch(`${apiUrl}/healthz`);
        return res.ok && ((await res.json()) as { status?: string }).status === 'SERVING';
      },
      30_000,
      child,
    );
  };
  await launch();
  return {
    apiUrl,
    maxTuplesPerWrite,
    pause: () => stopChild(child),
    start: launch,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Testcontainers path, for machines with a Docker engine (never the default). */
export async function startWithTestcontainers(): Promise<{ redis: RunningRedis; openfga: RunningOpenFga }> {
  // Loaded lazily: testcontainers is only needed (and only works) where Docker runs.
  const { GenericContainer, Wait } = await import('testcontainers');
  const redisC = await new GenericContainer(REDIS_IMAGE).withExposedPorts(6379).start();
  const fgaC = await new GenericContainer(OPENFGA_IMAGE)
    .withCommand(['run', '--playground-enabled=false', '--metrics-enabled=false'])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/healthz', 8080))
    .start();
  const redisPort = redisC.getMappedPort(6379);
  return {
    redis: {
      host: redisC.getHost(),
      port: redisPort,
      url: `redis://${redisC.getHost()}:${redisPort}`,
      dir: '',
      restart: async () => {
        await redisC.restart();
      },
      signal: () => {
        throw new Error('signals to the Redis process are not supported with testcontainers');
      },
      stop: async () => {
        await redisC.stop();
      },
    },
    openfga: {
      apiUrl: `http://${fgaC.getHost()}:${fgaC.getMappedPort(8080)}`,
      maxTuplesPerWrite: 100,
      pause: async () => {
        throw new Error('pause/start is not supported with testcontainers');
      },
      start: async () => undefined,
      stop: async () => {
        await fgaC.stop();
      },
    },
  };
}

export interface RunningRedisCluster extends RunningServer {
  nodes: { host: string; port: number }[];
  /** Every redis-server of the cluster, masters and replicas. */
  members: RunningRedis[];
  /** The master that holds `key`'s slot now, and its replica (if any). */
  shardOf(key: string): { master: RunningRedis; replica?: RunningRedis };
}

/** A Redis Cluster of `masters` redis-server processes (no replicas) on free loopback ports. */
/** With `replicas`, each master gets that many replicas (AOF everysec on every node) and a 1 s node timeout, so a failover takes seconds. */
export async function startRedisCluster(masters = 3, replicas = 0): Promise<RunningRedisCluster> {
  const members: RunningRedis[] = [];
  let first = 0;
  const nodeTimeout = replicas > 0 ? '1000' : '5000';
  const persistence = replicas > 0 ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      members.push(
        await startRedis({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', nodeTimeout, ...persistence],
        }),
      );
    }
    first = members[0].port;
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...members.map((m) => `127.0.0.1:${m.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    await waitUntil(
      'redis cluster state ok',
      async () =>
        spawnSync('redis-cli', ['-p', String(first), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'),
      30_000,
    );
    // Replicas attach after the state is ok: wait until every one is a replica in sync.
    await waitUntil(
      'redis cluster replicas attached',
      async () =>
        members.filter((m) => {
          const info = spawnSync('redis-cli', ['-p', String(m.port), 'info', 'replication'], { encoding: 'utf8' }).stdout;
          return info.includes('role:slave') && info.includes('master_link_status:up');
        }).length ===
        masters * replicas,
      30_000,
    );
  } catch (err) {
    await Promise.all(members.map((m) => m.stop()));
    throw err;
  }
  return {
    nodes: members.map((m) => ({ host: '127.0.0.1', port: m.port })),
    members,
    shardOf(key) {
      const cli = (...args: string[]) => spawnSync('redis-cli', ['-p', String(first), ...args], { encoding: 'utf8' }).stdout;
      const slot = Number(cli('CLUSTER', 'KEYSLOT', key).trim());
      const lines = cli('CLUSTER', 'NODES').trim().split('\n');
      const owner = lines.find((l) => {
        const fields = l.split(' ');
        return (
          fields[2].includes('master') &&
          fields.slice(8).some((range) => {
            const [from, to = from] = range.split('-').map(Number);
            return slot >= from && slot <= to;
          })
        );
      });
      if (!owner) throw new Error(`no master holds slot ${slot}`);
      const follower = lines.find((l) => l.split(' ')[3] === owner.split(' ')[0]);
      const memberAt = (line: string) => members.find((m) => m.port === Number(line.split(' ')[1].split('@')[0].split(':')[1]))!;
      return { master: memberAt(owner), ...(follower ? { replica: memberAt(follower) } : {}) };
    },
    stop: async () => {
      await Promise.all(members.map((m) => m.stop()));
    },
  };
}
