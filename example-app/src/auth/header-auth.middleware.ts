import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the example app knows about the caller. */
export interface AuthenticatedUser {
  id: string;
}

/** An HTTP request after the middleware ran. */
export type AuthenticatedRequest = IncomingMessage & { user?: AuthenticatedUser };

/**
 * Stands in for real authentication (passport, a JWT guard, ...): trusts the
 * `X-User` header and sets `req.user = { id }`. OpenFgaModule's default
 * `resolveUser` then acts as `user:<id>`; no header means no user (401 on
 * decorated routes). Never do this in production.
 */
@Injectable()
export class HeaderAuthMiddleware implements NestMiddleware<AuthenticatedRequest, ServerResponse> {
  use(req: AuthenticatedRequest, _res: ServerResponse, next: () => void): void {
    const id = req.headers['x-user'];
    if (typeof id === 'string' && id.trim() !== '') req.user = { id: id.trim() };
    next();
  }
}
