/**
 * Replicated Redis topologies a failover test drives the same way: stall the
 * replica of the store's primary and cut its link (a partition), kill the
 * primary, let it resume, wait until the replica is promoted.
 */
import type { RedisConnection } from '../../../src';
import { redisCli, startSentinelGroup, SENTINEL_MASTER } from '../harness/sentinel';
import { startRedisCluster, type RunningRedis } from '../harness/servers';

export interface FailoverTopology {
  name: string;
  /** The module's `redis` option. */
  redis: RedisConnection;
  /** SIGSTOP the replica of the primary holding `key`, and cut its replication link. */
  partitionReplica(key: string): void;
  /** SIGKILL that primary, SIGCONT the replica. */
  killPrimary(): void;
  /** Resolves once the replica is the primary of `key`'s slot (or of the Sentinel group). */
  promoted(): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await sleep(200);
  }
}

export async function sentinelTopology(): Promise<FailoverTopology> {
  const group = await startSentinelGroup();
  return {
    name: 'Sentinel',
    redis: { sentinels: group.sentinels, name: SENTINEL_MASTER },
    partitionReplica() {
      group.replica.signal('SIGSTOP');
      redisCli(group.primary.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    },
    killPrimary() {
      group.primary.signal('SIGKILL');
      group.replica.signal('SIGCONT');
    },
    async promoted() {
      await until('Sentinel did not promote the replica', async () => (await group.primaryPort()) === group.replica.port);
      await until('the promoted replica did not become a master', () => redisCli(group.replica.port, 'ROLE').startsWith('master'));
    },
    stop: () => group.stop(),
  };
}

/** A 3-master Redis Cluster with one replica per master (AOF everysec, 1 s node timeout). */
export async function clusterTopology(): Promise<FailoverTopology> {
  const cluster = await startRedisCluster(3, 1);
  let primary: RunningRedis | undefined;
  let replica: RunningRedis | undefined;
  return {
    name: 'Redis Cluster with replicas',
    redis: { cluster: cluster.nodes },
    partitionReplica(key) {
      const shard = cluster.shardOf(key);
      primary = shard.master;
      replica = shard.replica!;
      replica.signal('SIGSTOP');
      redisCli(primary.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
    },
    killPrimary() {
      primary!.signal('SIGKILL');
      replica!.signal('SIGCONT');
    },
    async promoted() {
      await until('the Cluster did not promote the replica', () => redisCli(replica!.port, 'ROLE').startsWith('master'));
      const other = cluster.members.find((m) => m !== primary && m !== replica)!.port;
      await until('the Cluster state did not return to ok', () => redisCli(other, 'CLUSTER', 'INFO').includes('cluster_state:ok'));
    },
    stop: () => cluster.stop(),
  };
}
