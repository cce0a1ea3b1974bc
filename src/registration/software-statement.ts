import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

import type { TrustedIssuerConfig } from '../configuration/index.js';
import { RegistrationError } from './errors.js';

/** Claims of the JWT itself, not client metadata. */
const JWT_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

const invalid = (description: string) => new RegistrationError('invalid_software_statement', description);

/**
 * RFC 7591 §2.3: a software statement is a JWS from a trusted issuer; its claims are client
 * metadata that take precedence over the same fields sent alongside it.
 */
export class SoftwareStatements {
  readonly #keys = new Map<string, JWTVerifyGetKey>();

  constructor(trustedIssuers: readonly TrustedIssuerConfig[]) {
    for (const { issuer, jwks, jwksUri } of trustedIssuers) {
      this.#keys.set(issuer, jwks ? createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]) : createRemoteJWKSet(new URL(jwksUri!)));
    }
  }

  /** The statement's metadata claims; throws invalid_ or unapproved_software_statement. */
  async verify(statement: string): Promise<Record<string, unknown>> {
    let unverified: JWTPayload;
    try {
      decodeProtectedHeader(statement);
      unverified = decodeJwt(statement);
    } catch {
      throw invalid('software_statement is not a well-formed JWT (a JSON header and a JSON claims set)');
    }
    if (typeof unverified.iss !== 'string' || unverified.iss === '') {
      throw invalid('software_statement has no iss claim naming its issuer');
    }
    const keys = this.#keys.get(unverified.iss);
    if (!keys) {
      throw new RegistrationError('unapproved_software_statement', `software statements of issuer "${unverified.iss}" are not accepted`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(statement, keys, { issuer: unverified.iss! }));
    } catch (error) {
      throw invalid(`software_statement could not be verified: ${(error as Error).message}`);
    }
    return Object.fromEntries(Object.entries(payload).filter(([claim]) => !JWT_CLAIMS.has(claim)));
  }
}
