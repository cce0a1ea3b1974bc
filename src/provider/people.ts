import type { KoaContextWithOIDC } from 'oidc-provider';

import type { SignInConfig } from '../configuration/index.js';
import { setPageHeaders } from '../interactions/page-security.js';
import type { ClientDisplay, Pages } from '../interactions/pages.js';
import type { ClaimMapper } from '../claims/index.js';
import { PROFILE_CLAIM_NAMES, type ModelStore, type UserRecord } from '../storage/index.js';
import { toClientView, toUserView } from './token-claims.js';
import { forProvider } from './store-errors.js';

export interface PeopleDependencies {
  signIn: SignInConfig;
  findUser: (id: string) => Promise<UserRecord | undefined>;
  models: ModelStore;
  pages: Pages;
  claimMapper: ClaimMapper;
}

/** Which claims each OpenID Connect scope releases (ID token and userinfo). */
export function claimsByScope(groups: boolean, mappedClaims: readonly string[] = []): Record<string, string[]> {
  return {
    // Mapped claims for ID tokens and userinfo are released with openid; their own scopes
    // condition (claims[].scopes) is applied by the claim mapper.
    openid: ['sub', 'auth_time', 'amr', ...mappedClaims],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at', ...PROFILE_CLAIM_NAMES],
    email: ['email', 'email_verified'],
    address: ['address'],
    phone: ['phone_number', 'phone_number_verified'],
    ...(groups ? { groups: ['groups'] } : {}),
  };
}

/** Every claim a user can have; oidc-provider releases only those the granted scopes name. */
export function userClaims(user: UserRecord): Record<string, unknown> {
  return {
    sub: user.id,
    preferred_username: user.username,
    updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    ...(user.name === undefined ? {} : { name: user.name }),
    ...(user.givenName === undefined ? {} : { given_name: user.givenName }),
    ...(user.familyName === undefined ? {} : { family_name: user.familyName }),
    ...user.profileClaims,
    ...(user.email === undefined ? {} : { email: user.email, email_verified: user.emailVerified }),
    ...(user.phoneNumber === undefined ? {} : { phone_number: user.phoneNumber, phone_number_verified: user.phoneNumberVerified }),
    ...(user.address === undefined ? {} : { address: user.address }),
    groups: user.groups,
  };
}

interface ProviderClient {
  clientId: string;
  require_pkce?: unknown;
  first_party?: unknown;
  /** Set by oidc-provider on a client whose id is its metadata document's URL. */
  clientIdMetadataDocument?: unknown;
  clientAuthMethod: string;
  clientName?: string | undefined;
  logoUri?: string | undefined;
  clientUri?: string | undefined;
  grantTypeAllowed(type: string): boolean;
}

interface RefreshTokenLike {
  totalLifetime(): number;
  ttlPercentagePassed(): number;
  isSenderConstrained(): boolean;
}

const display = (client: ProviderClient | undefined): ClientDisplay | undefined =>
  client && { name: client.clientName ?? client.clientId, logoUri: client.logoUri, clientUri: client.clientUri };

/**
 * oidc-provider's configuration for people: accounts from the user store, PKCE, refresh tokens
 * (rotated for public clients; a reused one revokes its grant, which oidc-provider does), consent
 * remembered across sessions, and the logout pages.
 */
export function peopleConfiguration({ signIn, findUser, models, pages, claimMapper }: PeopleDependencies) {
  return {
    async findAccount(ctx: KoaContextWithOIDC, sub: string) {
      const user = await findUser(sub);
      // A disabled or deleted user's tokens and sessions stop working at once (refresh included).
      if (!user || user.disabled) return undefined;
      const client = ctx?.oidc?.client as ProviderClient | undefined;
      return {
        accountId: user.id,
        claims: async (use: string, scope: string) => ({
          ...userClaims(user),
          ...(client && (use === 'id_token' || use === 'userinfo')
            ? claimMapper({ client: toClientView(client), user: toUserView(user), scopes: new Set(scope.split(' ')), resource: undefined, target: use })
            : {}),
        }),
      };
    },
    interactions: { url: (_ctx: KoaContextWithOIDC, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    pkce: {
      required: (_ctx: KoaContextWithOIDC, client: ProviderClient) =>
        signIn.requirePkceForAllClients || client.clientAuthMethod === 'none' || client.require_pkce === true
        || client.clientIdMetadataDocument === true,
    },
    // Keycloak's rule: a client allowed the refresh_token grant gets one; without offline_access it
    // ends with the session (oidc-provider's expiresWithSession), with it it outlives it.
    issueRefreshToken: async (_ctx: KoaContextWithOIDC, client: ProviderClient) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken(ctx: KoaContextWithOIDC) {
      const { RefreshToken: token, Client: client } = ctx.oidc.entities as unknown as { RefreshToken: RefreshTokenLike; Client: ProviderClient };
      if (client.clientAuthMethod === 'none' && !token.isSenderConstrained()) return true;
      return token.ttlPercentagePassed() >= 70;
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const grantId = (oidc.result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId
        ?? oidc.session?.grantIdFor(oidc.client!.clientId);
      if (grantId) return oidc.provider.Grant.find(grantId);
      // Consent is remembered per user and client, beyond one session (as Keycloak and Okta do).
      const accountId = oidc.session?.accountId;
      if (!accountId) return undefined;
      const grants = await forProvider(() => models.findByAccountId('Grant', accountId, 200));
      const earlier = grants.find(({ record }) => record.payload.clientId === oidc.client!.clientId);
      return earlier?.record.grantId ? oidc.provider.Grant.find(earlier.record.grantId) : undefined;
    },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx: KoaContextWithOIDC, form: string) {
        setPageHeaders(ctx as never, [ctx.oidc.params?.post_logout_redirect_uri as string | undefined]);
        ctx.type = 'html';
        ctx.body = pages.logout({ formHtml: form, formId: 'op.logoutForm', client: display(ctx.oidc.client as ProviderClient | undefined) });
      },
      async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
        setPageHeaders(ctx as never);
        ctx.type = 'html';
        ctx.body = pages.loggedOut({ client: display(ctx.oidc.client as ProviderClient | undefined) });
      },
    },
    ttl: {
      AuthorizationCode: signIn.authorizationCodeTtlSeconds,
      IdToken: signIn.idTokenTtlSeconds,
      Interaction: 600,
      Session: signIn.sessionTtlSeconds,
      // A grant (remembered consent) lasts as long as anything issued under it can.
      Grant: Math.max(signIn.sessionTtlSeconds, signIn.refreshTokenTtlSeconds),
      RefreshToken: (_ctx: unknown, token: RefreshTokenLike) =>
        Math.max(1, Math.min(signIn.refreshTokenIdleSeconds, signIn.refreshTokenTtlSeconds - token.totalLifetime())),
    },
  };
}
