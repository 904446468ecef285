#!/usr/bin/env node
/**
 * The `nestjs-openfga` bin: the OpenFGA operator commands, configured by
 * environment variables (see `OPENFGA_CLI_ENV`), e.g.
 *
 *   OPENFGA_API_URL=http://127.0.0.1:8080 OPENFGA_STORE_ID=01H… OPENFGA_REDIS_URL=redis://127.0.0.1:6379 \
 *     npx nestjs-openfga openfga:cache:status
 */
import 'reflect-metadata';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { OpenFgaCliConfigError, OpenFgaCliEnvConfig, readCliEnv, redactUrl } from './cli-env';
import { OpenFgaCliExitCode } from './exit-codes';

/** Stand-in configuration so `--help` works before the environment is set up; nothing connects with it. */
const HELP_ONLY_CONFIG: OpenFgaCliEnvConfig = {
  options: { apiUrl: 'http://127.0.0.1:8080', storeId: '00000000000000000000000000', prefix: 'openfga' },
  redisUrl: 'redis://127.0.0.1:6379',
};

interface CommanderErrorLike {
  code: string;
  exitCode: number;
}

function isCommanderError(err: unknown): err is CommanderErrorLike {
  const e = err as Partial<CommanderErrorLike> | null;
  return typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number';
}

/** Runs the CLI with `args` (without `node` and the script); resolves with the exit code. */
export async function main(args: readonly string[] = process.argv.slice(2)): Promise<number> {
  // The set-up commands need no Redis: `model types` reads a file, `model write` and `store create` OpenFGA alone.
  if (args[0] === 'model' || args[0] === 'store') return runModelCommands();
  const wantsHelp = args.length === 0 || args.includes('--help') || args.includes('-h') || args[0] === 'help';
  let config: OpenFgaCliEnvConfig;
  try {
    config = readCliEnv(process.env);
  } catch (err) {
    if (!(err instanceof OpenFgaCliConfigError)) throw err;
    if (!wantsHelp) {
      process.stderr.write(`nestjs-openfga: ${err.message}\nRun "nestjs-openfga --help" for every variable.\n`);
      return OpenFgaCliExitCode.Usage;
    }
    config = HELP_ONLY_CONFIG;
  }
  if (!hasNestCommander()) return OpenFgaCliExitCode.Usage;

  const redis = connectRedis(config);
  redis.on('error', () => undefined); // each command reports its own failure
  const [{ CommandFactory }, { OpenFgaCliBinModule }] = await Promise.all([import('nest-commander'), import('./bin.module')]);
  try {
    await CommandFactory.run(OpenFgaCliBinModule.register(config, redis), {
      logger: ['error'],
      serviceErrorHandler: handleServiceError,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const where = config.cluster
      ? `Redis Cluster ${config.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`
      : config.sentinel
        ? `Redis Sentinel ${config.sentinel.name} at ${config.sentinel.sentinels.map((n) => `${n.host}:${n.port}`).join(',')}`
        : `Redis ${redactUrl(config.redisUrl)}`;
    process.stderr.write(`nestjs-openfga: could not start (${where}): ${message}\n`);
    return OpenFgaCliExitCode.Failed;
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
  return typeof process.exitCode === 'number' ? process.exitCode : OpenFgaCliExitCode.Ok;
}

/** nest-commander reads the arguments from process.argv, as for the other commands. */
async function runModelCommands(): Promise<number> {
  if (!hasNestCommander()) return OpenFgaCliExitCode.Usage;
  const [{ CommandFactory }, { OpenFgaModelBinModule }] = await Promise.all([import('nest-commander'), import('./model-bin.module')]);
  await CommandFactory.run(OpenFgaModelBinModule, { logger: ['error'], serviceErrorHandler: handleServiceError });
  return typeof process.exitCode === 'number' ? process.exitCode : OpenFgaCliExitCode.Ok;
}

function hasNestCommander(): boolean {
  try {
    require.resolve('nest-commander');
    return true;
  } catch {
    process.stderr.write('nestjs-openfga: the CLI needs the "nest-commander" package: npm install nest-commander\n');
    return false;
  }
}

function handleServiceError(err: Error): void {
  if (isCommanderError(err)) {
    // commander printed the help or the usage error already.
    process.exitCode = err.exitCode === 0 ? OpenFgaCliExitCode.Ok : OpenFgaCliExitCode.Usage;
    return;
  }
  process.stderr.write(`error: ${err.message}\n`);
  process.exitCode = OpenFgaCliExitCode.Failed;
}

/**
 * Lazy, so nothing connects for --help or a usage error; no endless retries, so
 * an unreachable Redis fails fast. A cluster takes user, password and TLS from
 * the first seed node's URL.
 */
function connectRedis(config: OpenFgaCliEnvConfig): Redis | Cluster {
  const fast: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 5000 };
  if (!config.cluster && !config.sentinel) return new Redis(config.redisUrl, { ...fast, lazyConnect: true });
  const seed = new URL(config.redisUrl);
  const redisOptions: RedisOptions = { ...fast };
  if (seed.username) redisOptions.username = decodeURIComponent(seed.username);
  if (seed.password) redisOptions.password = decodeURIComponent(seed.password);
  if (seed.protocol === 'rediss:') redisOptions.tls = {};
  if (config.sentinel) {
    const db = Number(seed.pathname.slice(1));
    if (Number.isInteger(db) && db > 0) redisOptions.db = db;
    return new Redis({ ...redisOptions, ...config.sentinel, lazyConnect: true, sentinelRetryStrategy: () => null });
  }
  return new Cluster(config.cluster!, { lazyConnect: true, redisOptions, clusterRetryStrategy: () => null });
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`nestjs-openfga: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = OpenFgaCliExitCode.Failed;
    },
  );
}
