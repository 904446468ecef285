import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AuthenticatedUser } from './authenticated-user';
import { JWT_ALGORITHM, JWT_ISSUER, JWT_KEYS, JwtKeys } from './jwt-keys';

/** The claims the app puts in its access tokens. */
export interface AccessTokenClaims {
  /** The user id; `{user.id}` in templates and OpenFgaModule's default user `user:<sub>`. */
  sub: string;
}

/** `Authorization: Bearer <jwt>`, RS256 with the app's public key and issuer, not expired → `req.user = { id: sub }`. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(JWT_KEYS) keys: JwtKeys) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: keys.publicKey,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      ignoreExpiration: false,
    });
  }

  validate(claims: Partial<AccessTokenClaims>): AuthenticatedUser {
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new UnauthorizedException('The token names no user');
    return { id: claims.sub };
  }
}
