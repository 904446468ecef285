/**
 * A worker-only deployment in its own Node process, for the queue-mode crash
 * tests: a Nest application context with OpenFgaModule in queue mode,
 * `autoFlush: false` and `flushOnShutdown: false`, so it only processes
 * flush jobs. Options come as JSON in NESTJS_OPENFGA_OPTIONS; it prints
 * {"event":"ready"} once its worker is connected, and closes on SIGTERM.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { OpenFgaModule } from '../../../../src/openfga.module';

async function main() {
  const options = JSON.parse(process.env.NESTJS_OPENFGA_OPTIONS ?? '{}');
  const app = await NestFactory.createApplicationContext(OpenFgaModule.forRoot(options), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
