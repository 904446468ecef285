import { coreLogger } from '../logging/core-logger';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { dataNodes, nodeName } from './redis-nodes';
import { OpenFgaError } from '../errors/openfga.error';

/**
 * Policies that never evict a key without a TTL. The buffer, the dead
 * letters and the generation counters have none; evicted, a generation
 * reads as 0 again and revives cached answers a write had invalidated, and
 * buffered operations are lost.
 */
export const SAFE_EVICTION_POLICIES = ['noeviction', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'] as const;

/** Thrown at start-up when a Redis node that holds the module's keys may evict any key. */
export class UnsafeEvictionPolicyError extends OpenFgaError {
  override readonly name = 'UnsafeEvictionPolicyError';

  constructor(
    /** host:port of the node. */
    readonly node: string,
    readonly policy: string,
  ) {
    super(
      `Redis ${node} has maxmemory-policy "${policy}", which may evict keys without a TTL: evicted generation keys ` +
        `would revive invalidated cached answers and buffered operations would be lost. Set maxmemory-policy to one of ` +
        `${SAFE_EVICTION_POLICIES.join(', ')}.`,
    );
  }
}

/** How long start-up waits for Redis to say its policy; an unreachable Redis is reported by the commands that need it. */
const READ_TIMEOUT_MS = 5000;

/** Policies that evict cached answers (which carry a TTL) before Redis refuses a write. */
const RECOMMENDED_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-ttl'];

/**
 * Refuses a Redis that may evict the module's keys (`allkeys-*`): every node
 * that holds them, i.e. the server, or each master of a Cluster. When the
 * policy cannot be read (CONFIG and INFO both refused, or no answer in time)
 * it warns and goes on. It also warns about `noeviction` under a `maxmemory`
 * limit: cached answers, which any signed-in caller's checks create, then
 * hold memory until their TTL, and a full Redis refuses grants.
 */
export async function assertSafeEvictionPolicy(redis: Redis | Cluster, logger = coreLogger('OpenFgaRedis')): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), READ_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const policies = await Promise.race([readPolicies(redis), timeout]).catch((err: unknown) => err as Error);
    if (policies === 'timeout' || policies instanceof Error) {
      // An unreachable Redis fails the commands that need it (checks fail closed); start-up does not wait for it.
      logger.warn({
        message: 'Could not read Redis maxmemory-policy; not checked',
        reason: policies === 'timeout' ? `no answer in ${READ_TIMEOUT_MS} ms` : policies.message,
        accepted: SAFE_EVICTION_POLICIES,
      });
      return;
    }
    for (const { node, policy, maxmemory } of policies) {
      if (policy === undefined) {
        logger.warn({
          message: 'Could not read Redis maxmemory-policy (CONFIG and INFO refused); make sure it never evicts keys without a TTL',
          node,
          accepted: SAFE_EVICTION_POLICIES,
        });
      } else if (policy.startsWith('allkeys-')) {
        throw new UnsafeEvictionPolicyError(node, policy);
      } else if (policy === 'noeviction' && maxmemory !== undefined && maxmemory > 0) {
        logger.warn({
          message:
            `Redis ${node} has maxmemory ${maxmemory} with maxmemory-policy noeviction: once full it refuses every write, ` +
            `grants included, while cached answers hold memory until their TTL. Use ${RECOMMENDED_POLICIES.join(', ')} ` +
            'so cached answers are evicted first',
          node,
          maxmemory,
          recommended: RECOMMENDED_POLICIES,
        });
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

interface MemoryConfig {
  policy: string | undefined;
  /** Bytes; 0 is no limit; undefined when not read. */
  maxmemory?: number;
}

async function readPolicies(redis: Redis | Cluster): Promise<({ node: string } & MemoryConfig)[]> {
  const nodes = await dataNodes(redis);
  return Promise.all(nodes.map(async (node) => ({ node: nodeName(node), ...(await readMemoryConfig(node)) })));
}

/** CONFIG GET, else INFO memory (managed services often disable or rename CONFIG); no policy when both are refused. */
async function readMemoryConfig(node: Redis): Promise<MemoryConfig> {
  try {
    const pairs = (await node.config('GET', 'maxmemory*')) as string[];
    const value = (key: string) => pairs[pairs.indexOf(key) + 1];
    const policy = pairs.includes('maxmemory-policy') ? value('maxmemory-policy') : undefined;
    if (policy) return { policy, ...bytes(pairs.includes('maxmemory') ? value('maxmemory') : undefined) };
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err; // not refused: unreachable
  }
  try {
    const info = await node.info('memory');
    return { policy: /^maxmemory_policy:(\S+)/m.exec(info)?.[1], ...bytes(/^maxmemory:(\d+)/m.exec(info)?.[1]) };
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err;
    return { policy: undefined };
  }
}

function bytes(text: string | undefined): { maxmemory?: number } {
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) ? { maxmemory: n } : {};
}
