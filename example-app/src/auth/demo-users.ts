import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ExampleAppConfig } from '../config';

/** The people of the demo; all share the configured demo password. A real app has a user store. */
export const DEMO_USERS: readonly string[] = ['anne', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'mallory'];

const digest = (value: string) => createHash('sha256').update(value).digest();

@Injectable()
export class DemoUsers {
  private readonly password: Buffer;

  constructor(@Inject(ConfigService) config: ConfigService) {
    this.password = digest(config.getOrThrow<ExampleAppConfig>('example').demoPassword);
  }

  /** The user id when the credentials are right (password compared in constant time), else `undefined`. */
  authenticate(username: unknown, password: unknown): string | undefined {
    if (typeof username !== 'string' || typeof password !== 'string') return undefined;
    const passwordOk = timingSafeEqual(digest(password), this.password);
    return passwordOk && DEMO_USERS.includes(username) ? username : undefined;
  }
}
