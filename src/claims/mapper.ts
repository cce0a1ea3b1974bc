import { compileExpression, type ClaimValue, type ClientView, type CompiledExpression, type UserView } from './expression.js';

/** A mapped claim as configured: its name, its expression, and where it applies. */
export interface ClaimConfig {
  name: string;
  value: string;
  scopes?: string[];
  resources?: string[];
  /** Where the claim goes; access tokens (and their introspection) only when absent. */
  tokens?: ('access_token' | 'id_token' | 'userinfo')[];
}

/** Claims a mapped claim may never replace: they carry the token's own meaning (RFC 9068, RFC 7662). */
/**
 * The grant a person's access token was issued under: the token lives only as long as the grant
 * (revoking the grant, setting a password, disabling or deleting the user end it), which a JWT
 * cannot show by itself.
 */
export const GRANT_ID_CLAIM = 'grant_id';

export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'client_id', 'scope', 'active', 'token_type', 'cnf',
  'authorization_details', GRANT_ID_CLAIM,
]);

/** Where a mapped claim goes: access tokens (and so their introspection), ID tokens, userinfo. */
export type ClaimTarget = 'access_token' | 'id_token' | 'userinfo';

export const DEFAULT_CLAIM_TARGETS: readonly ClaimTarget[] = ['access_token'];

export interface TokenContext {
  client: ClientView;
  /** The signed-in user the token is for; undefined for client credentials. */
  user?: UserView | undefined;
  scopes: ReadonlySet<string>;
  resource: string | undefined;
  /** What is being issued; access_token when absent. */
  target?: ClaimTarget | undefined;
}

export type ClaimMapper = (token: TokenContext) => Record<string, ClaimValue>;

interface CompiledClaim {
  name: string;
  evaluate: CompiledExpression;
  scopes: ReadonlySet<string> | undefined;
  resources: ReadonlySet<string> | undefined;
  targets: ReadonlySet<ClaimTarget>;
}

/** The names of the claims that may go into ID tokens or userinfo (oidc-provider releases only claims it knows). */
export function personClaimNames(claims: readonly ClaimConfig[]): string[] {
  return claims.filter((claim) => (claim.tokens ?? DEFAULT_CLAIM_TARGETS).some((target) => target !== 'access_token')).map((claim) => claim.name);
}

/** Compiles the configured claims once; throws ExpressionError for an invalid expression. */
export function createClaimMapper(claims: readonly ClaimConfig[]): ClaimMapper {
  const compiled: CompiledClaim[] = claims.map((claim) => ({
    name: claim.name,
    evaluate: compileExpression(claim.value),
    scopes: claim.scopes ? new Set(claim.scopes) : undefined,
    resources: claim.resources ? new Set(claim.resources) : undefined,
    targets: new Set(claim.tokens ?? DEFAULT_CLAIM_TARGETS),
  }));

  return ({ client, user, scopes, resource, target = 'access_token' }) => {
    const mapped: Record<string, ClaimValue> = {};
    for (const claim of compiled) {
      if (REGISTERED_CLAIMS.has(claim.name) || !claim.targets.has(target)) continue;
      if (claim.scopes && ![...claim.scopes].some((scope) => scopes.has(scope))) continue;
      if (claim.resources && (resource === undefined || !claim.resources.has(resource))) continue;
      const value = claim.evaluate({ app: client, user });
      if (value !== undefined) mapped[claim.name] = value;
    }
    return mapped;
  };
}
