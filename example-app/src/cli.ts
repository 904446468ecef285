/**
 * The example app's operator CLI: the package's commands registered in the
 * app's own nest-commander CLI, configured like the app (see config.ts):
 *
 *   OPENFGA_API_URL=... OPENFGA_STORE_ID=... OPENFGA_REDIS_URL=... ADMIN_TOKEN=... \
 *     node -r ts-node/register/transpile-only example-app/src/cli.ts openfga:cache:status
 *
 * Commands: openfga:cache:status [--json], openfga:cache:flush [--timeout s],
 * openfga:cache:clear [--force], openfga:dead-letter list|retry|purge.
 */
import 'reflect-metadata';
import { DynamicModule, Module } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CommandFactory } from 'nest-commander';
import { configFromEnv, ExampleAppConfig, openFgaOptions } from './config';
import { OpenFgaModule } from './nestjs-openfga';
import { OpenFgaCliModule } from './nestjs-openfga-cli';

@Module({})
export class ExampleCliModule {
  /** `redis`: a client the CLI owns (the module leaves it open), instead of the app's connection settings. */
  static register(config: ExampleAppConfig, redis?: Redis): DynamicModule {
    const { cron: _cron, queue: _queue, ...options } = { ...openFgaOptions(config), ...(redis ? { redis } : {}) };
    return {
      module: ExampleCliModule,
      imports: [
        // Same store, Redis and prefix as the app. No automatic, cron or shutdown flushes, no change-feed
        // poller: a command only does what it says. Inline mode: `openfga:cache:flush` writes to OpenFGA
        // itself, also while no app (and so no queue worker) is running.
        OpenFgaModule.forRoot({ ...options, autoFlush: false, flushOnShutdown: false, changeFeed: { enabled: false } }),
        OpenFgaCliModule,
      ],
    };
  }
}

async function main(): Promise<void> {
  const config = configFromEnv();
  // A command should fail fast when Redis is down, not retry for long: one retry per command, errors reported by the command.
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  try {
    await CommandFactory.run(ExampleCliModule.register(config, redis), { logger: ['warn', 'error'] });
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
