import type { ClaimConfig } from '../configuration/types.js';
import { compileExpression, type ClaimValue, type ClientView, type CompiledExpression } from './expression.js';

/** Claims a mapped claim may never replace: they carry the token's own meaning (RFC 9068, RFC 7662). */
export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'active', 'token_type', 'cnf',
  'authorization_details',
]);

export interface TokenContext {
  client: ClientView;
  scopes: ReadonlySet<string>;
  resource: string | undefined;
}

export type ClaimMapper = (token: TokenContext) => Record<string, ClaimValue>;

interface CompiledClaim {
  name: string;
  evaluate: CompiledExpression;
  scopes: ReadonlySet<string> | undefined;
  resources: ReadonlySet<string> | undefined;
}

/** Compiles the configured claims once; throws ExpressionError for an invalid expression. */
export function createClaimMapper(claims: readonly ClaimConfig[]): ClaimMapper {
  const compiled: CompiledClaim[] = claims.map((claim) => ({
    name: claim.name,
    evaluate: compileExpression(claim.value),
    scopes: claim.scopes ? new Set(claim.scopes) : undefined,
    resources: claim.resources ? new Set(claim.resources) : undefined,
  }));

  return ({ client, scopes, resource }) => {
    const mapped: Record<string, ClaimValue> = {};
    for (const claim of compiled) {
      if (REGISTERED_CLAIMS.has(claim.name)) continue;
      if (claim.scopes && ![...claim.scopes].some((scope) => scopes.has(scope))) continue;
      if (claim.resources && (resource === undefined || !claim.resources.has(resource))) continue;
      const value = claim.evaluate(client);
      if (value !== undefined) mapped[claim.name] = value;
    }
    return mapped;
  };
}
