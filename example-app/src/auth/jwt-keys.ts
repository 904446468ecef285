import { Module } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';

/** Injection token of the RSA key pair the app signs and verifies its access tokens with. */
export const JWT_KEYS = Symbol('JWT_KEYS');

export interface JwtKeys {
  privateKey: string;
  publicKey: string;
}

/** Tokens are signed RS256 and checked against the public key; what a verifier elsewhere would be given. */
export const JWT_ALGORITHM = 'RS256';
export const JWT_ISSUER = 'nestjs-openfga-example';

/**
 * A fresh RSA key pair per process, generated at start: tokens die with the
 * process, which suits a demo. A real app loads its keys (or a JWKS URL) from
 * its configuration instead.
 */
@Module({
  providers: [
    {
      provide: JWT_KEYS,
      useFactory: (): JwtKeys =>
        generateKeyPairSync('rsa', {
          modulusLength: 2048,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        }),
    },
  ],
  exports: [JWT_KEYS],
})
export class JwtKeysModule {}
