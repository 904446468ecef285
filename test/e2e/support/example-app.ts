/**
 * The example app (example-app/) on a loopback port against the real servers,
 * with its configuration given instead of read from the environment.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { configureApp } from '../../../example-app/src/app.factory';
import { AppModule } from '../../../example-app/src/app.module';
import { DEMO_USERS } from '../../../example-app/src/auth/demo-users';
import { exampleConfig as appConfig, EXAMPLE_MODEL_FILE, ExampleAppConfig } from '../../../example-app/src/config';
import { serverEnv } from '../../support/harness/env';
import { createStore, TestStore } from '../../support/harness/store';

export const ADMIN_TOKEN = `admin-${randomUUID()}`;
export const DEMO_PASSWORD = `pw-${randomUUID()}`;

export interface Entity {
  id: string;
}

export async function exampleStore(name: string): Promise<TestStore> {
  return createStore(serverEnv().apiUrl, `${name}-${randomUUID().slice(0, 8)}`, EXAMPLE_MODEL_FILE);
}

export function exampleConfig(store: TestStore, overrides: Partial<ExampleAppConfig> = {}): ExampleAppConfig {
  const env = serverEnv();
  return {
    apiUrl: env.apiUrl,
    storeId: store.storeId,
    authorizationModelId: store.modelId,
    redisUrl: env.redisUrl,
    prefix: `ex${randomUUID().slice(0, 8)}`,
    adminToken: ADMIN_TOKEN,
    // No cron and a long age trigger: flushes happen when a test asks for them.
    flushInterval: 300,
    demoPassword: DEMO_PASSWORD,
    ...overrides,
  };
}

/**
 * Starts the app on a loopback port (supertest reuses the listening server),
 * with its @nestjs/config configuration replaced instead of read from the environment.
 */
export async function startExampleApp(config: ExampleAppConfig): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(appConfig.KEY)
    .useValue(config)
    .compile();
  const app = configureApp(moduleRef.createNestApplication({ logger: false }));
  await app.listen(0, '127.0.0.1');
  return app;
}

/** Logs every demo user in through `POST /auth/login`; `auth(user)` gives the `Authorization` header of its JWT. */
export async function loginAll(app: INestApplication): Promise<(user: string) => { authorization: string }> {
  const tokens = new Map<string, string>();
  for (const username of DEMO_USERS) {
    const res = await request(app.getHttpServer()).post('/auth/login').send({ username, password: DEMO_PASSWORD }).expect(200);
    tokens.set(username, (res.body as { accessToken: string }).accessToken);
  }
  return (user) => {
    const token = tokens.get(user);
    if (!token) throw new Error(`${user} is not a demo user`);
    return { authorization: `Bearer ${token}` };
  };
}
