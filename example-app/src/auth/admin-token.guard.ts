import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Injection token of the admin routes' shared secret. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Admin routes need the `X-Admin-Token` header (compared in constant time). Simple on purpose. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) token: string) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const given = context.switchToHttp().getRequest<IncomingMessage>().headers['x-admin-token'];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), this.expected)) {
      throw new UnauthorizedException('A valid X-Admin-Token header is required');
    }
    return true;
  }
}
