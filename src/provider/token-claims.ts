import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

import { GRANT_ID_CLAIM, type ClaimMapper, type ClientView, type UserView } from '../claims/index.js';
import type { UserRecord } from '../storage/index.js';

interface IssuedToken {
  kind: string;
  clientId?: string | undefined;
  /** The signed-in user of an authorization code or refresh token grant. */
  accountId?: string | undefined;
  grantId?: string | undefined;
  scope?: string | undefined;
  resourceServer?: { identifier(): string } | undefined;
}

interface ProviderClient {
  clientId: string;
  clientName?: string;
  software_id?: unknown;
  profile?: unknown;
}

export function toUserView(user: UserRecord | undefined): UserView | undefined {
  return user && { id: user.id, username: user.username, email: user.email, groups: user.groups, profile: user.profile };
}

export function toClientView(client: ProviderClient): ClientView {
  return {
    clientId: client.clientId,
    clientName: client.clientName,
    softwareId: typeof client.software_id === 'string' ? client.software_id : undefined,
    profile: client.profile !== null && typeof client.profile === 'object' ? (client.profile as Record<string, unknown>) : undefined,
  };
}

/** oidc-provider's extraTokenClaims: the configured mapped claims of the token's client. */
export function createExtraTokenClaims(provider: () => Provider, mapper: ClaimMapper, findUser: (id: string) => Promise<UserRecord | undefined>) {
  return async (ctx: KoaContextWithOIDC | undefined, token: IssuedToken) => {
    const current = ctx?.oidc?.client as ProviderClient | undefined;
    const client = current?.clientId === token.clientId
      ? current
      : ((await provider().Client.find(token.clientId ?? '')) as unknown as ProviderClient | undefined);
    if (!client) return undefined;
    const mapped = mapper({
      client: toClientView(client),
      user: token.accountId === undefined ? undefined : toUserView(await findUser(token.accountId)),
      scopes: new Set(token.scope?.split(' ').filter(Boolean)),
      resource: token.resourceServer?.identifier(),
    });
    if (token.accountId === undefined || token.grantId === undefined) return mapped;
    return { ...mapped, [GRANT_ID_CLAIM]: token.grantId };
  };
}
