import { Cluster, Redis } from 'ioredis';

/** The nodes that hold the module's keys: the server, or each master of a Cluster (connects a lazy Cluster client). */
export async function dataNodes(redis: Redis | Cluster): Promise<Redis[]> {
  return redis instanceof Cluster ? clusterMasters(redis) : [redis];
}

/** The masters, known once the slots are: connects a lazy client, waits for one connecting. */
async function clusterMasters(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status === 'wait') await cluster.connect();
  else if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('end', () => reject(new Error('Redis Cluster connection ended')));
    });
  }
  return cluster.nodes('master');
}

/** `host:port` of a node, for messages. */
export function nodeName(node: Redis): string {
  return `${node.options.host ?? 'localhost'}:${node.options.port ?? 6379}`;
}
