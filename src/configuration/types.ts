import type { ClaimConfig } from '../claims/index.js';
import type { TrustedProxiesConfig } from '../http/client-address.js';
import type { LogLevel } from '../logging/index.js';
import type { PostalAddress } from '../storage/port.js';

export type { ClaimConfig, LogLevel, TrustedProxiesConfig };

export type AccessTokenFormat = 'jwt' | 'opaque';
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export type RegistrationMode = 'open' | 'initial_access_token' | 'admin_only';

export interface ResourceServerConfig {
  resource: string;
  scopes: string[];
  accessTokenFormat: AccessTokenFormat;
  accessTokenTtl: number;
  signingAlg: SigningAlgorithm;
  default: boolean;
}


export type GrantType = 'client_credentials' | 'authorization_code' | 'refresh_token';
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

/** The OpenID Connect scopes of a sign-in, next to the resource servers' scopes. */
export const OPENID_CONNECT_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'address', 'phone', 'groups'] as const;

/**
 * The identity scopes OpenID Connect defines (Core §5.4, and offline_access, §11): what a client
 * that registers no scope gets, as Keycloak's default client scopes and Hydra's default client
 * scope do, so that a standard relying party can ask for them. Never a resource server's scope.
 */
export const IDENTITY_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'] as const;

export interface RegistrationPolicyConfig {
  grantTypes: GrantType[];
  tokenEndpointAuthMethods: TokenEndpointAuthMethod[];
  /** Undefined: every offered scope. */
  scopes?: string[];
  redirectUriHosts: string[];
  redirectUriSchemes?: string[];
  requirePkce?: boolean;
  defaultScope?: string;
  defaultResource?: string;
  allowedResources?: string[];
  maxClientsPerToken?: number;
  requireSoftwareStatement: boolean;
}

export interface InitialAccessTokenConfig {
  id: string;
  token: string;
  policies: string[];
  maxUses?: number;
  expiresAt?: string;
}

export interface TrustedIssuerConfig {
  issuer: string;
  jwks?: { keys: Record<string, unknown>[] };
  jwksUri?: string;
}

export interface RegistrationConfig {
  mode: RegistrationMode;
  openPolicy: string;
  policies: Record<string, RegistrationPolicyConfig>;
  initialAccessTokens: InitialAccessTokenConfig[];
  rotateRegistrationAccessToken: boolean;
  rateLimit: { windowSeconds: number; maxRequests: number };
  softwareStatements: { required: boolean; trustedIssuers: TrustedIssuerConfig[] };
}

/** RFC 7591 metadata of a client declared in the configuration file. */
export interface StaticClientConfig {
  client_id: string;
  client_secret?: string;
  [metadata: string]: unknown;
}

export interface KonnectConfig {
  prefix: string;
  apiKeys: string[];
  audiences: Record<string, string>;
}

export interface HttpConfig {
  requestDeadlineSeconds: number;
  requestTimeoutSeconds: number;
  headersTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  trustedProxies?: TrustedProxiesConfig;
}

export interface AuditConfig {
  retentionDays: number;
  failuresPerMinute: number;
}

export interface UserConfig {
  username: string;
  passwordHash?: string;
  passwordEnv?: string;
  email?: string;
  email_verified: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  middle_name?: string;
  nickname?: string;
  profile_url?: string;
  picture?: string;
  website?: string;
  gender?: string;
  birthdate?: string;
  zoneinfo?: string;
  locale?: string;
  phone_number?: string;
  phone_number_verified: boolean;
  address?: PostalAddress;
  groups: string[];
  profile: Record<string, unknown>;
}


export interface SignInConfig {
  passwordMinLength: number;
  passwordHashCost: number;
  maxFailures: number;
  maxFailuresPerAddress: number;
  failureWindowSeconds: number;
  lockoutSeconds: number;
  sessionTtlSeconds: number;
  requirePkceForAllClients: boolean;
  authorizationCodeTtlSeconds: number;
  idTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshTokenIdleSeconds: number;
  groupsClaim: boolean;
  passwordAcr: string;
}

export interface BrandingConfig {
  productName: string;
  logoUrl?: string;
  accentColor: string;
}

export interface ClientIdMetadataDocumentsConfig {
  enabled: boolean;
  allowedHosts: string[];
  policy: string;
  allowPrivateAddresses: boolean;
  trustedCertificates?: string;
  minCacheSeconds: number;
  maxCacheSeconds: number;
}

export interface OutboundFetchConfig {
  allowPrivateAddresses: boolean;
}

/** The client id the console signs administrators in with: reserved, so that no configured client can take it. */
export const CONSOLE_CLIENT_ID = 'admin-console';

export interface ConsoleConfig {
  enabled: boolean;
  adminGroups: string[];
  readOnlyGroups: string[];
}

export interface Configuration {
  port: number;
  host?: string;
  issuer: string;
  mongodbUri?: string;
  dataDir: string;
  encryptionKey?: string;
  clientCacheSeconds: number;
  clientCacheEntries: number;
  storeTimeoutSeconds: number;
  sweepIntervalSeconds: number;
  adminTokens: string[];
  logLevel: LogLevel;
  resourceServers: ResourceServerConfig[];
  claims: ClaimConfig[];
  keys: { prePublishSeconds: number; removalDelaySeconds: number; pollSeconds: number };
  registration: RegistrationConfig;
  clients: StaticClientConfig[];
  pruneStaticClients: boolean;
  konnect?: KonnectConfig;
  http: HttpConfig;
  audit: AuditConfig;
  metrics: { enabled: boolean; token?: string; port?: number };
  cluster: { workers: number };
  users: UserConfig[];
  signIn: SignInConfig;
  branding: BrandingConfig;
  clientIdMetadataDocuments: ClientIdMetadataDocumentsConfig;
  outboundFetch: OutboundFetchConfig;
  console: ConsoleConfig;
}
