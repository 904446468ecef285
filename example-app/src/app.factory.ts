import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { CONSISTENCY_TOKEN_HEADER } from './nestjs-openfga';

/**
 * Creates (does not start) the example app on Express, configured from the
 * environment (see config.ts). Used by main.ts and the demo.
 */
export async function createApp(logger: LogLevel[] | false = ['log', 'warn', 'error']): Promise<INestApplication> {
  return configureApp(await NestFactory.create(AppModule, { logger }));
}

/** What every instance of the app gets, also one built by `Test.createTestingModule({ imports: [AppModule] })`. */
export function configureApp(app: INestApplication): INestApplication {
  // Browsers may read the token that @Grant/@Revoke routes send back.
  app.enableCors({ exposedHeaders: [CONSISTENCY_TOKEN_HEADER] });
  return app;
}
