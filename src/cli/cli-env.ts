import { InvalidOptionsError } from '../options/invalid-options.error';
import type { OpenFgaCredentials, OpenFgaModuleOptions } from '../options/openfga-options.interface';
import { resolveOptions } from '../options/resolve-options';
import { OpenFgaError } from '../errors/openfga.error';

/** The environment variables the `nestjs-openfga` bin reads, for its help text and its errors. */
export const OPENFGA_CLI_ENV = [
  { name: 'OPENFGA_API_URL', required: true, description: 'OpenFGA HTTP API URL, e.g. http://127.0.0.1:8080' },
  { name: 'OPENFGA_STORE_ID', required: true, description: 'store id (ULID) whose buffer to operate on' },
  {
    name: 'OPENFGA_REDIS_URL',
    required: true,
    description: 'Redis URL of the buffer, e.g. redis://127.0.0.1:6379/0 (rediss:// for TLS); or set OPENFGA_REDIS_CLUSTER_NODES',
  },
  {
    name: 'OPENFGA_REDIS_CLUSTER_NODES',
    required: false,
    description: 'instead of OPENFGA_REDIS_URL: Redis Cluster seed nodes, comma-separated redis:// URLs or host:port',
  },
  {
    name: 'OPENFGA_REDIS_SENTINELS',
    required: false,
    description:
      'instead of OPENFGA_REDIS_URL (or with it, for the password, database and TLS): Redis Sentinels, comma-separated host:port',
  },
  { name: 'OPENFGA_REDIS_SENTINEL_NAME', required: false, description: "with OPENFGA_REDIS_SENTINELS: the monitored primary's name" },
  { name: 'OPENFGA_PREFIX', required: false, description: 'Redis key prefix, as in the app (default "openfga")' },
  { name: 'OPENFGA_MODEL_ID', required: false, description: 'authorization model id (ULID), as in the app' },
  { name: 'OPENFGA_API_TOKEN', required: false, description: 'API token (preshared key) for OpenFGA' },
  { name: 'OPENFGA_CLIENT_ID', required: false, description: 'client credentials: with the next three, instead of a token' },
  { name: 'OPENFGA_CLIENT_SECRET', required: false, description: 'client credentials: secret' },
  { name: 'OPENFGA_API_TOKEN_ISSUER', required: false, description: 'client credentials: token issuer' },
  { name: 'OPENFGA_API_AUDIENCE', required: false, description: 'client credentials: API audience' },
  { name: 'OPENFGA_MAX_TUPLES_PER_WRITE', required: false, description: "the server's --max-tuples-per-write (default 100)" },
] as const;

/** Name of one of the bin's environment variables. */
export type OpenFgaCliEnvName = (typeof OPENFGA_CLI_ENV)[number]['name'];

/** A missing or malformed environment variable of the bin; the message names it. */
export class OpenFgaCliConfigError extends OpenFgaError {
  override readonly name = 'OpenFgaCliConfigError';

  constructor(
    readonly variable: OpenFgaCliEnvName,
    message: string,
  ) {
    super(`${variable} ${message}`);
  }
}

/** What the bin needs: module options (without Redis) and the Redis it connects to itself. */
export interface OpenFgaCliEnvConfig {
  options: Omit<OpenFgaModuleOptions, 'redis'>;
  /** The Redis URL; with `cluster`, the first seed node (its user, password and TLS apply to every node). */
  redisUrl: string;
  /** Seed nodes of a Redis Cluster (OPENFGA_REDIS_CLUSTER_NODES); unset for a single Redis. */
  cluster?: { host: string; port: number }[];
  /** Sentinels and the primary's name (OPENFGA_REDIS_SENTINELS, OPENFGA_REDIS_SENTINEL_NAME); `redisUrl` then gives credentials only. */
  sentinel?: { sentinels: { host: string; port: number }[]; name: string };
}

/** Option names of `OpenFgaModuleOptions` and the variable each comes from, to name the variable in errors. */
const VARIABLE_OF: Partial<Record<string, OpenFgaCliEnvName>> = {
  apiUrl: 'OPENFGA_API_URL',
  storeId: 'OPENFGA_STORE_ID',
  authorizationModelId: 'OPENFGA_MODEL_ID',
  prefix: 'OPENFGA_PREFIX',
  maxTuplesPerWrite: 'OPENFGA_MAX_TUPLES_PER_WRITE',
  redis: 'OPENFGA_REDIS_URL',
};

/**
 * Reads and validates the bin's configuration from the environment (empty
 * values count as unset). Throws {@link OpenFgaCliConfigError} naming the variable.
 */
export function readCliEnv(env: NodeJS.ProcessEnv = process.env): OpenFgaCliEnvConfig {
  const get = (name: OpenFgaCliEnvName): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const required = (name: OpenFgaCliEnvName): string => {
    const value = get(name);
    if (value === undefined) {
      const doc = OPENFGA_CLI_ENV.find((v) => v.name === name)?.description ?? '';
      throw new OpenFgaCliConfigError(name, `is not set: it must be the ${doc}`);
    }
    return value;
  };

  const apiUrl = required('OPENFGA_API_URL');
  const storeId = required('OPENFGA_STORE_ID');
  const seeds = get('OPENFGA_REDIS_CLUSTER_NODES');
  if (seeds !== undefined && get('OPENFGA_REDIS_URL') !== undefined) {
    throw new OpenFgaCliConfigError('OPENFGA_REDIS_CLUSTER_NODES', 'cannot be combined with OPENFGA_REDIS_URL: set one of them');
  }
  const cluster = seeds === undefined ? undefined : readNodes('OPENFGA_REDIS_CLUSTER_NODES', seeds);
  const sentinelList = get('OPENFGA_REDIS_SENTINELS');
  if (sentinelList !== undefined && cluster) {
    throw new OpenFgaCliConfigError('OPENFGA_REDIS_SENTINELS', 'cannot be combined with OPENFGA_REDIS_CLUSTER_NODES: set one of them');
  }
  const sentinel =
    sentinelList === undefined
      ? undefined
      : { sentinels: readNodes('OPENFGA_REDIS_SENTINELS', sentinelList).nodes, name: required('OPENFGA_REDIS_SENTINEL_NAME') };
  const redisUrl = cluster ? cluster.urls[0] : sentinel ? (get('OPENFGA_REDIS_URL') ?? 'redis://localhost') : required('OPENFGA_REDIS_URL');
  if (!cluster && !isRedisUrl(redisUrl)) {
    throw new OpenFgaCliConfigError('OPENFGA_REDIS_URL', `must be a redis:// or rediss:// URL (received "${redactUrl(redisUrl)}")`);
  }
  const options: Omit<OpenFgaModuleOptions, 'redis'> = { apiUrl, storeId, prefix: get('OPENFGA_PREFIX') ?? 'openfga' };
  const modelId = get('OPENFGA_MODEL_ID');
  if (modelId !== undefined) options.authorizationModelId = modelId;
  const credentials = readCredentials(get);
  if (credentials) options.credentials = credentials;
  const maxTuples = get('OPENFGA_MAX_TUPLES_PER_WRITE');
  if (maxTuples !== undefined) {
    if (!/^\d+$/.test(maxTuples))
      throw new OpenFgaCliConfigError('OPENFGA_MAX_TUPLES_PER_WRITE', `must be an integer >= 1 (received "${maxTuples}")`);
    options.maxTuplesPerWrite = Number(maxTuples);
  }

  try {
    resolveOptions({ ...options, redis: cluster ? { cluster: cluster.nodes } : sentinel ? { ...sentinel } : redisUrl });
  } catch (err) {
    const variable = err instanceof InvalidOptionsError ? VARIABLE_OF[err.option] : undefined;
    if (!variable || !(err instanceof InvalidOptionsError)) throw err;
    const received = variable === 'OPENFGA_REDIS_URL' ? redactUrl(redisUrl) : String(env[variable] ?? '').trim();
    throw new OpenFgaCliConfigError(variable, `must be ${err.expected} (received "${received}")`);
  }
  if (cluster) return { options, redisUrl, cluster: cluster.nodes };
  return sentinel ? { options, redisUrl, sentinel } : { options, redisUrl };
}

/** `redis://[user:password@]host:port` or `host:port`, comma-separated; every node must be valid. */
function readNodes(
  variable: 'OPENFGA_REDIS_CLUSTER_NODES' | 'OPENFGA_REDIS_SENTINELS',
  value: string,
): { urls: string[]; nodes: { host: string; port: number }[] } {
  const urls = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (s.includes('://') ? s : `redis://${s}`));
  const nodes = urls.map((url) => {
    const port = isRedisUrl(url) ? Number(new URL(url).port) : NaN;
    if (!Number.isInteger(port) || port < 1) {
      throw new OpenFgaCliConfigError(
        variable,
        `must be comma-separated host:port or redis://host:port nodes, each with a port (received "${redactUrl(url)}")`,
      );
    }
    return { host: new URL(url).hostname, port };
  });
  if (nodes.length === 0) throw new OpenFgaCliConfigError(variable, 'must name at least one host:port node');
  return { urls, nodes };
}

export function readCredentials(get: (name: OpenFgaCliEnvName) => string | undefined): OpenFgaCredentials | undefined {
  const token = get('OPENFGA_API_TOKEN');
  const client = {
    clientId: get('OPENFGA_CLIENT_ID'),
    clientSecret: get('OPENFGA_CLIENT_SECRET'),
    apiTokenIssuer: get('OPENFGA_API_TOKEN_ISSUER'),
    apiAudience: get('OPENFGA_API_AUDIENCE'),
  };
  const anyClient = Object.values(client).some((v) => v !== undefined);
  if (token !== undefined && anyClient) {
    throw new OpenFgaCliConfigError(
      'OPENFGA_API_TOKEN',
      'cannot be combined with OPENFGA_CLIENT_ID and the other client-credential variables',
    );
  }
  if (token !== undefined) return { method: 'api_token', config: { token } };
  if (!anyClient) return undefined;
  const { clientId, clientSecret, apiTokenIssuer, apiAudience } = client;
  if (clientId === undefined) throw new OpenFgaCliConfigError('OPENFGA_CLIENT_ID', 'is not set, but other client-credential variables are');
  if (clientSecret === undefined) throw new OpenFgaCliConfigError('OPENFGA_CLIENT_SECRET', 'is not set, but OPENFGA_CLIENT_ID is');
  if (apiTokenIssuer === undefined) throw new OpenFgaCliConfigError('OPENFGA_API_TOKEN_ISSUER', 'is not set, but OPENFGA_CLIENT_ID is');
  if (apiAudience === undefined) throw new OpenFgaCliConfigError('OPENFGA_API_AUDIENCE', 'is not set, but OPENFGA_CLIENT_ID is');
  return { method: 'client_credentials', config: { clientId, clientSecret, apiTokenIssuer, apiAudience } };
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The URL without its password, for messages: never print secrets. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return value.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** What `store create` and `model write` need: OpenFGA alone (no Redis), from the same variables as the other commands. */
export interface OpenFgaSetupEnv {
  apiUrl: string;
  credentials?: OpenFgaCredentials;
  /** OPENFGA_STORE_ID, when `needStore`. */
  storeId?: string;
}

/** Reads OPENFGA_API_URL, the credentials and (with `needStore`) OPENFGA_STORE_ID; throws {@link OpenFgaCliConfigError} naming the variable. */
export function readSetupEnv(env: NodeJS.ProcessEnv, needStore: boolean): OpenFgaSetupEnv {
  const get = (name: OpenFgaCliEnvName): string | undefined => env[name]?.trim() || undefined;
  const apiUrl = get('OPENFGA_API_URL');
  if (apiUrl === undefined || !/^https?:\/\/[^\s]+$/.test(apiUrl)) {
    throw new OpenFgaCliConfigError(
      'OPENFGA_API_URL',
      `must be the OpenFGA HTTP API URL, e.g. http://127.0.0.1:8080 (received "${apiUrl ?? ''}")`,
    );
  }
  const credentials = readCredentials(get);
  // As the module's apiUrl: a trailing slash (env files often have one) would make every request a 404.
  const setup: OpenFgaSetupEnv = { apiUrl: apiUrl.replace(/\/+$/, ''), ...(credentials ? { credentials } : {}) };
  if (!needStore) return setup;
  const storeId = get('OPENFGA_STORE_ID');
  if (storeId === undefined || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(storeId)) {
    throw new OpenFgaCliConfigError(
      'OPENFGA_STORE_ID',
      `must be a store id (a 26-character ULID, as \`nestjs-openfga store create\` prints) (received "${storeId ?? ''}")`,
    );
  }
  return { ...setup, storeId };
}
