/**
 * A replicated Redis watched by Sentinel, all real redis-server processes on
 * loopback ports: a primary, one replica and three Sentinels
 * (`redis-server <conf> --sentinel`), with short timeouts so a failover takes
 * a few seconds. Both data servers use AOF (`everysec`), as production does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisPing, RunningRedis, RunningServer, startRedis, stopChild, track, waitUntil } from './servers';

export const SENTINEL_MASTER = 'mymaster';

export interface RunningSentinelGroup extends RunningServer {
  primary: RunningRedis;
  replica: RunningRedis;
  sentinels: { host: string; port: number }[];
  /** The port of the server the Sentinels name as primary now. */
  primaryPort(): Promise<number>;
}

const AOF = ['--appendonly', 'yes', '--appendfsync', 'everysec'];

export async function startSentinelGroup(): Promise<RunningSentinelGroup> {
  const primary = await startRedis({ args: AOF });
  const replica = await startRedis({ args: [...AOF, '--replicaof', '127.0.0.1', String(primary.port)] });
  await waitUntil('replica in sync', async () => redisCli(replica.port, 'INFO', 'replication').includes('master_link_status:up'), 15_000);
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-openfga-sentinel-'));
  const children: ChildProcess[] = [];
  const sentinels: { host: string; port: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 4000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    const child = track(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    children.push(child);
    await waitUntil(`sentinel on ${port}`, () => redisPing(port), 15_000, child);
    sentinels.push({ host: '127.0.0.1', port });
  }
  // Every Sentinel knows the replica before any test kills the primary.
  await waitUntil(
    'sentinels see the replica',
    async () => sentinels.every((s) => redisCli(s.port, 'SENTINEL', 'replicas', SENTINEL_MASTER).includes(String(replica.port))),
    20_000,
  );
  return {
    primary,
    replica,
    sentinels,
    async primaryPort() {
      const out = redisCli(sentinels[0].port, 'SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER).trim().split('\n');
      return Number(out[1]);
    },
    async stop() {
      await Promise.all(children.map((c) => stopChild(c)));
      await Promise.all([primary.stop(), replica.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function redisCli(port: number, ...args: string[]): string {
  return spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 }).stdout;
}
