/**
 * Runs the example app against servers you started yourself:
 *
 *   OPENFGA_API_URL=http://127.0.0.1:8080 OPENFGA_STORE_ID=01J... OPENFGA_REDIS_URL=redis://127.0.0.1:6379 \
 *   ADMIN_TOKEN=change-me-please PORT=3000 node -r ts-node/register/transpile-only example-app/src/main.ts
 *
 * (`npm run demo` starts everything itself instead.)
 */
import 'reflect-metadata';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const app = await createApp(); // configured from the environment by @nestjs/config (see config.ts)
  // SIGTERM/SIGINT run the shutdown flush: pending operations are handed over before the process exits.
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  console.log(`example app listening on ${await app.getUrl()}`);
}

bootstrap().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
