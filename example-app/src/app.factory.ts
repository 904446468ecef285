import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import type { ExampleAppConfig } from './config';
import { CONSISTENCY_TOKEN_HEADER } from './nestjs-openfga';

/** Creates (does not start) the example app on Express. Used by main.ts, the demo and the e2e tests. */
export async function createApp(
  config: ExampleAppConfig,
  logger: LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), { logger });
  // Browsers may read the token that @Grant/@Revoke routes send back.
  app.enableCors({ exposedHeaders: [CONSISTENCY_TOKEN_HEADER] });
  return app;
}
