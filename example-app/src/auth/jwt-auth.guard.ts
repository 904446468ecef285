import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/**
 * Authenticates with the JWT strategy: 401 without a valid bearer token.
 * Applied on the controller class, so it runs before the `OpenFgaGuard` that
 * route-level `@Check` adds, which then reads `req.user`.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {}
