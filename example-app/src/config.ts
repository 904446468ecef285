import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import type { OpenFgaModuleOptions } from './nestjs-openfga';

/** The app's authorization model (OpenFGA DSL): write it to the store before starting the app. */
export const EXAMPLE_MODEL_FILE = resolve(__dirname, '..', 'model.fga');

/** Everything the example app needs to know about its surroundings. */
export interface ExampleAppConfig {
  /** OpenFGA HTTP API, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** The store holding example-app/model.fga. */
  storeId: string;
  /** Pin the model written from example-app/model.fga (the store's latest when unset). */
  authorizationModelId?: string;
  /** The Redis of the write-behind buffer and of the BullMQ flush queue. */
  redisUrl: string;
  /** Redis key prefix of the buffer. */
  prefix: string;
  /** Shared secret of the admin routes (`X-Admin-Token` header). */
  adminToken: string;
  /** Flush on this cron expression (with seconds); no cron when unset. */
  cron?: string;
  /** Flush when the oldest pending operation is older than this (seconds). */
  flushInterval: number;
  /** The password of every demo user (`POST /auth/login`). */
  demoPassword: string;
}

/** The app's OpenFgaModule options: queue mode with a worker in this process, a cron flush, an age trigger. */
export function openFgaOptions(config: ExampleAppConfig): OpenFgaModuleOptions {
  return {
    apiUrl: config.apiUrl,
    storeId: config.storeId,
    ...(config.authorizationModelId ? { authorizationModelId: config.authorizationModelId } : {}),
    redis: config.redisUrl,
    prefix: config.prefix,
    flushInterval: config.flushInterval,
    ...(config.cron ? { cron: config.cron } : {}),
    // Flushes hand claimed batches to BullMQ jobs; this process also runs the worker that writes them.
    // A bigger deployment sets `worker: false` here and runs workers elsewhere.
    queue: { enabled: true, worker: true },
    // The user comes from req.user (set by JwtAuthGuard from the token's `sub`): the default `user:<req.user.id>`.
    // With another shape of req.user, `resolveUser: (req) => ...` would name the user instead.
  };
}

/**
 * Reads the configuration from the environment, with the variable names of the
 * package's `nestjs-openfga` bin, so the app, its CLI and the bin share them.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleAppConfig {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`${name} is not set (see example-app/README.md)`);
    return value;
  };
  const flushInterval = Number(env.OPENFGA_FLUSH_INTERVAL ?? 5);
  if (!Number.isFinite(flushInterval) || flushInterval <= 0) throw new Error('OPENFGA_FLUSH_INTERVAL must be a positive number of seconds');
  return {
    apiUrl: required('OPENFGA_API_URL'),
    storeId: required('OPENFGA_STORE_ID'),
    authorizationModelId: env.OPENFGA_MODEL_ID?.trim() || undefined,
    redisUrl: required('OPENFGA_REDIS_URL'),
    prefix: env.OPENFGA_PREFIX?.trim() || 'example-app',
    adminToken: required('ADMIN_TOKEN'),
    cron: env.OPENFGA_FLUSH_CRON === undefined ? '*/30 * * * * *' : env.OPENFGA_FLUSH_CRON.trim() || undefined,
    flushInterval,
    demoPassword: env.DEMO_PASSWORD?.trim() || 'demo',
  };
}

/** The environment that `configFromEnv` reads back as `config` (for child processes and the demo). */
export function configToEnv(config: ExampleAppConfig): Record<string, string> {
  return {
    OPENFGA_API_URL: config.apiUrl,
    OPENFGA_STORE_ID: config.storeId,
    ...(config.authorizationModelId ? { OPENFGA_MODEL_ID: config.authorizationModelId } : {}),
    OPENFGA_REDIS_URL: config.redisUrl,
    OPENFGA_PREFIX: config.prefix,
    ADMIN_TOKEN: config.adminToken,
    OPENFGA_FLUSH_CRON: config.cron ?? '',
    OPENFGA_FLUSH_INTERVAL: String(config.flushInterval),
    DEMO_PASSWORD: config.demoPassword,
  };
}

/**
 * The app's configuration in @nestjs/config: `ConfigService.getOrThrow<ExampleAppConfig>('example')`,
 * read from the environment (and a `.env` file) when the app starts; a missing variable fails the start.
 * Tests replace it with `overrideProvider(exampleConfig.KEY).useValue(config)`.
 */
export const exampleConfig = registerAs('example', (): ExampleAppConfig => configFromEnv(process.env));
