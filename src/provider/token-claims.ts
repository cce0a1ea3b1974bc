import type { KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

import type { ClaimMapper, ClientView } from '../claims/index.js';

interface IssuedToken {
  kind: string;
  clientId?: string | undefined;
  scope?: string | undefined;
  resourceServer?: { identifier(): string } | undefined;
}

interface ProviderClient {
  clientId: string;
  clientName?: string;
  software_id?: unknown;
  profile?: unknown;
}

function toClientView(client: ProviderClient): ClientView {
  return {
    clientId: client.clientId,
    clientName: client.clientName,
    softwareId: typeof client.software_id === 'string' ? client.software_id : undefined,
    profile: client.profile !== null && typeof client.profile === 'object' ? (client.profile as Record<string, unknown>) : undefined,
  };
}

/** oidc-provider's extraTokenClaims: the configured mapped claims of the token's client. */
export function createExtraTokenClaims(provider: () => Provider, mapper: ClaimMapper) {
  return async (ctx: KoaContextWithOIDC | undefined, token: IssuedToken) => {
    const current = ctx?.oidc?.client as ProviderClient | undefined;
    const client = current?.clientId === token.clientId
      ? current
      : ((await provider().Client.find(token.clientId ?? '')) as unknown as ProviderClient | undefined);
    if (!client) return undefined;
    return mapper({
      client: toClientView(client),
      scopes: new Set(token.scope?.split(' ').filter(Boolean)),
      resource: token.resourceServer?.identifier(),
    });
  };
}
