import { errors } from 'oidc-provider';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * features.claimsParameter (OpenID Connect Core §5.5): claims asked for one by one, within what
 * the client is registered for. A claim that only a scope releases (email with email, ...) may be
 * asked for only by a client whose registered scope includes one such scope: the claims
 * parameter is a finer way to ask, never a way around the scope an administrator or a
 * registration policy allowed.
 */
export function claimsParameter(claimsByScope: Record<string, readonly string[]>) {
  const releasedBy = new Map<string, string[]>();
  for (const [scope, claims] of Object.entries(claimsByScope)) {
    for (const claim of claims) releasedBy.set(claim, [...(releasedBy.get(claim) ?? []), scope]);
  }
  return {
    enabled: true,
    async assertClaimsParameter(_ctx: unknown, claims: Record<string, unknown>, client: { scope?: string | undefined }): Promise<void> {
      const registered = new Set((client.scope ?? '').split(' ').filter(Boolean));
      for (const container of ['userinfo', 'id_token'] as const) {
        const requested = claims[container];
        if (!isObject(requested)) continue;
        for (const [claim, request] of Object.entries(requested)) {
          // As oidc-provider's own check: each member is null or an object.
          if (request !== null && !isObject(request)) throw new errors.InvalidRequest(`claims.${container} members must be null or objects`);
          const scopes = releasedBy.get(claim);
          if (scopes && !scopes.some((scope) => registered.has(scope))) {
            throw new errors.InvalidRequest(`claims.${container}.${claim} needs the ${scopes.join(' or ')} scope, which the client is not registered for`);
          }
        }
      }
    },
  };
}
