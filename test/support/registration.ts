import request from 'supertest';

export const IAT = 'initial-access-token-0123456789-abcdefghij';

/** A configuration with one resource server, policies and initial access tokens for registration tests. */
export function registrationConfig(registration: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceServers: [
      { resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write', 'admin:all'], default: true },
      { resource: 'https://partners.example.com', scopes: ['partners:read'] },
    ],
    claims: [{ name: 'app.clientId', value: 'app.clientId' }],
    clients: [{ client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' }],
    registration: {
      policies: {
        default: { scopes: ['orders:read', 'orders:write', 'partners:read'] },
        partners: {
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethods: ['client_secret_basic'],
          scopes: ['partners:read'],
          defaultScope: 'partners:read',
          defaultResource: 'https://partners.example.com',
        },
        web: { grantTypes: ['authorization_code', 'client_credentials'], redirectUriHosts: ['app.example.com'], scopes: ['orders:read'] },
      },
      initialAccessTokens: [
        { id: 'default-token', token: IAT },
        { id: 'partners-token', token: `${IAT}-partners`, policies: ['partners'] },
        { id: 'web-token', token: `${IAT}-web`, policies: ['web'] },
        { id: 'two-uses', token: `${IAT}-two-uses`, maxUses: 2 },
        { id: 'expired', token: `${IAT}-expired`, expiresAt: '2020-01-01T00:00:00Z' },
      ],
      ...registration,
    },
  };
}

/** Registers with the given initial access token (null: without one). */
export function register(url: string, body: unknown, token: string | null = IAT) {
  const pending = request(url).post('/reg').set('Content-Type', 'application/json');
  if (token !== null) pending.set('Authorization', `Bearer ${token}`);
  return pending.send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function manage(url: string, method: 'get' | 'put' | 'delete', clientId: string, token: string | undefined, body?: unknown) {
  const pending = request(url)[method](`/reg/${encodeURIComponent(clientId)}`);
  if (token !== undefined) pending.set('Authorization', `Bearer ${token}`);
  if (body !== undefined) pending.set('Content-Type', 'application/json').send(JSON.stringify(body));
  return pending;
}

export const CLIENT_CREDENTIALS_ONLY = { grant_types: ['client_credentials'] };
