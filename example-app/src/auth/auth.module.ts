import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller';
import { DemoUsers } from './demo-users';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JWT_ALGORITHM, JWT_ISSUER, JWT_KEYS, JwtKeys, JwtKeysModule } from './jwt-keys';
import { JwtStrategy } from './jwt.strategy';

/**
 * Real authentication for the example: `POST /auth/login` issues an RS256 JWT
 * for a demo user; `JwtAuthGuard` (passport-jwt) verifies it and sets
 * `req.user = { id }`, which `@Check`/`@Grant` templates read as `{user.id}`.
 */
@Module({
  imports: [
    PassportModule,
    JwtKeysModule,
    JwtModule.registerAsync({
      imports: [JwtKeysModule],
      inject: [JWT_KEYS],
      useFactory: (keys: JwtKeys) => ({
        privateKey: keys.privateKey,
        publicKey: keys.publicKey,
        signOptions: { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, expiresIn: '1h' },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [DemoUsers, JwtStrategy, JwtAuthGuard],
  exports: [JwtAuthGuard],
})
export class AuthModule {}
