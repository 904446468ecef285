/**
 * The files of a fresh Nest application that uses the packed `nestjs-openfga`
 * as a user would: through its package name, its `./testing` and `./cli`
 * entry points and its typings, compiled to CommonJS by the app's own tsc.
 */

/** tsconfig of a Nest app compiled to CommonJS; `skipLibCheck: false` so the package's .d.ts files are type-checked too. */
export function tsconfig(module: 'commonjs' | 'nodenext', include: string[]): string {
  return JSON.stringify(
    {
      compilerOptions: {
        module,
        moduleResolution: module === 'commonjs' ? 'node' : 'nodenext',
        target: 'ES2022',
        lib: ['ES2022'],
        strict: true,
        esModuleInterop: true,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        skipLibCheck: false,
        declaration: false,
        outDir: 'dist',
        rootDir: 'src',
        types: ['node'],
      },
      include,
    },
    null,
    2,
  );
}

/** Boots OpenFgaModule.forRoot on the real servers (configured by OPENFGA_* variables): grant, check, flush, check again. */
export const MAIN_TS = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FlushResult, OpenFgaModule, OpenFgaService, OpenFgaStatus } from 'nestjs-openfga';
import { OpenFgaFake, OpenFgaTestingModule } from 'nestjs-openfga/testing';
import { OPENFGA_CLI_ENV, OpenFgaCliModule } from 'nestjs-openfga/cli';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(name + ' is not set');
  return value;
}

@Module({
  imports: [
    OpenFgaModule.forRoot({
      apiUrl: env('OPENFGA_API_URL'),
      storeId: env('OPENFGA_STORE_ID'),
      authorizationModelId: env('OPENFGA_MODEL_ID'),
      redis: env('OPENFGA_REDIS_URL'),
      prefix: env('OPENFGA_PREFIX'),
      autoFlush: false,
      flushOnShutdown: false,
      changeFeed: { enabled: false },
    }),
  ],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  const openfga = app.get(OpenFgaService);
  await openfga.grant('user:anne', 'viewer', 'document:packaged');
  const beforeFlush: boolean = await openfga.check('user:anne', 'viewer', 'document:packaged');
  const flushed: FlushResult = await openfga.flush();
  const afterFlush: boolean = await openfga.check('user:anne', 'viewer', 'document:packaged', { consistency: 'strong' });
  const denied: boolean = await openfga.check('user:bob', 'viewer', 'document:packaged');
  await openfga.grant('user:carl', 'viewer', 'document:left-pending'); // for the CLI to report
  const status: OpenFgaStatus = await openfga.status();
  await app.close();

  const fake = new OpenFgaFake();
  await fake.grant('user:anne', 'viewer', 'document:1');
  fake.assertGranted('user:anne', 'viewer', 'document:1');

  const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](prom-client|@nestjs[\\\\/]event-emitter)[\\\\/]/.test(f));
  process.stdout.write(
    JSON.stringify({
      beforeFlush,
      flushed,
      afterFlush,
      denied,
      pending: status.pending.total,
      testingModule: typeof OpenFgaTestingModule.forRoot,
      cliModule: typeof OpenFgaCliModule,
      cliEnv: OPENFGA_CLI_ENV.map((v) => v.name),
      loaded,
    }),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
});
`;

/** The observability modules, once prom-client and @nestjs/event-emitter are installed next to the package. */
export const OBSERVABILITY_TS = `import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Registry } from 'prom-client';
import {
  OPENFGA_NEST_EVENTS,
  OpenFgaEventEmitterModule,
  OpenFgaMetricsModule,
  OpenFgaModule,
  OpenFgaNestEvent,
  OpenFgaService,
  OpenFgaTracingModule,
} from 'nestjs-openfga';

const registry = new Registry();
const flushes: OpenFgaNestEvent<'flushed'>[] = [];

@Injectable()
class Listener {
  @OnEvent(OPENFGA_NEST_EVENTS.flushed)
  onFlushed(event: OpenFgaNestEvent<'flushed'>): void {
    flushes.push(event);
  }
}

@Module({
  imports: [
    EventEmitterModule.forRoot(),
    OpenFgaModule.forRoot({
      apiUrl: process.env.OPENFGA_API_URL as string,
      storeId: process.env.OPENFGA_STORE_ID as string,
      redis: process.env.OPENFGA_REDIS_URL as string,
      prefix: process.env.OPENFGA_PREFIX as string,
      autoFlush: false,
      flushOnShutdown: false,
      changeFeed: { enabled: false },
    }),
    OpenFgaMetricsModule.forRoot({ registry }),
    OpenFgaTracingModule,
    OpenFgaEventEmitterModule,
  ],
  providers: [Listener],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  const openfga = app.get(OpenFgaService);
  await openfga.grant('user:dora', 'viewer', 'document:observed');
  await openfga.flush();
  await openfga.check('user:dora', 'viewer', 'document:observed');
  const metrics = await registry.metrics();
  await app.close();
  process.stdout.write(JSON.stringify({ metrics, flushes: flushes.map((f) => ({ storeId: f.storeId, writes: f.writes })) }));
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
});
`;

/**
 * The optional peers at the majors that follow Nest 12 (@nestjs/schedule 12,
 * @nestjs/terminus 12): the cron flush registered in SchedulerRegistry and
 * firing, and the health indicator through terminus's HealthCheckService.
 */
export const PEERS_TS = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { getFlushCronJobName, OpenFgaHealthIndicator, OpenFgaHealthModule, OpenFgaModule, OpenFgaService } from 'nestjs-openfga';

const options = {
  apiUrl: process.env.OPENFGA_API_URL as string,
  storeId: process.env.OPENFGA_STORE_ID as string,
  redis: process.env.OPENFGA_REDIS_URL as string,
  prefix: process.env.OPENFGA_PREFIX as string,
  autoFlush: false,
  flushOnShutdown: false,
  changeFeed: { enabled: false },
  cron: '* * * * * *', // every second
};

@Module({
  imports: [ScheduleModule.forRoot(), TerminusModule, OpenFgaModule.forRoot(options), OpenFgaHealthModule.forRoot({ maxPending: 10 })],
})
class AppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  await app.init();
  const openfga = app.get(OpenFgaService);
  const cronRegistered = app.get(SchedulerRegistry).doesExist('cron', getFlushCronJobName(options.prefix, options.storeId));
  await openfga.grant('user:erin', 'viewer', 'document:scheduled');
  // The cron flush, not a manual one, writes the grant to OpenFGA.
  const deadline = Date.now() + 15_000;
  while ((await openfga.status()).pending.total > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const pendingAfterCron = (await openfga.status()).pending.total;
  const allowed = await openfga.check('user:erin', 'viewer', 'document:scheduled', { consistency: 'strong' });
  const health = app.get(HealthCheckService);
  const indicator = app.get(OpenFgaHealthIndicator);
  const result = await health.check([() => indicator.isHealthy('openfga')]);
  await app.close();
  process.stdout.write(JSON.stringify({ cronRegistered, pendingAfterCron, allowed, health: result.status, details: result.details }));
}

main().catch((err: unknown) => {
  process.stderr.write(String(err instanceof Error ? err.stack : err));
  process.exitCode = 1;
});
`;
