import type { IncomingMessage } from 'node:http';

/** What the example app knows about the caller: the JWT's subject. */
export interface AuthenticatedUser {
  id: string;
}

/** An HTTP request after JwtAuthGuard ran. OpenFgaModule's default `resolveUser` reads `user:<req.user.id>`. */
export type AuthenticatedRequest = IncomingMessage & { user?: AuthenticatedUser };
