export type AccessTokenFormat = 'jwt' | 'opaque';
export type SigningAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export type RegistrationMode = 'open' | 'initial_access_token' | 'admin_only';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ResourceServerConfig {
  resource: string;
  scopes: string[];
  accessTokenFormat: AccessTokenFormat;
  accessTokenTtl: number;
  signingAlg: SigningAlgorithm;
  default: boolean;
}

export interface ClaimConfig {
  name: string;
  value: string;
  scopes?: string[];
  resources?: string[];
}

/** RFC 7591 metadata of a client declared in the configuration file. */
export interface StaticClientConfig {
  client_id: string;
  client_secret?: string;
  [metadata: string]: unknown;
}

export interface Configuration {
  port: number;
  issuer: string;
  mongodbUri?: string;
  dataDir: string;
  encryptionKey?: string;
  adminTokens: string[];
  logLevel: LogLevel;
  resourceServers: ResourceServerConfig[];
  claims: ClaimConfig[];
  registration: { mode: RegistrationMode };
  clients: StaticClientConfig[];
}
