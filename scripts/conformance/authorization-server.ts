import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Processes } from './processes.js';

export const CONFORMANCE_USER = 'conformance';

/** Our server's configuration for a run: what the plans register, and a user with every claim. */
export function serverConfiguration(): Record<string, unknown> {
  return {
    registration: {
      mode: 'open',
      openPolicy: 'conformance',
      policies: {
        conformance: {
          grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
          tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
          // The suite's clients call back on localhost; oidcc-ensure-redirect-uri-in-authorization-request
          // registers https://example.org/redirect beside it (to see a request without redirect_uri refused).
          redirectUriHosts: ['localhost', 'example.org'],
        },
      },
      // Each module registers its clients: a plan registers a few hundred.
      rateLimit: { windowSeconds: 60, maxRequests: 1000 },
    },
    // oidcc-server-rotate-keys runs in several plans of one run: a new key that waited an hour in
    // the JWKS before signing (the default) would make the next plan's rotation a 409.
    keys: { prePublishSeconds: 0 },
    // The suite serves its clients' jwks_uri on localhost.
    outboundFetch: { allowPrivateAddresses: true },
    users: [{
      username: CONFORMANCE_USER,
      passwordEnv: 'CONFORMANCE_USER_PASSWORD',
      name: 'Conformance Tester',
      given_name: 'Conformance',
      family_name: 'Tester',
      middle_name: 'Middle',
      nickname: 'Tester',
      profile_url: 'https://example.org/conformance',
      picture: 'https://example.org/conformance.png',
      website: 'https://example.org',
      gender: 'other',
      birthdate: '2000-01-01',
      zoneinfo: 'Europe/Paris',
      locale: 'en-US',
      email: 'conformance@example.com',
      email_verified: true,
      phone_number: '+1 555 0100',
      phone_number_verified: true,
      address: {
        formatted: '1 Test Street, Testville', street_address: '1 Test Street', locality: 'Testville', region: 'TS', postal_code: '12345', country: 'US',
      },
    }],
    http: { trustedProxies: { header: 'x-forwarded-for', addresses: ['127.0.0.1'] } },
    branding: { productName: 'Conformance run' },
  };
}

export interface RunningServer {
  issuer: string;
  port: number;
  adminToken: string;
  password: string;
}

/** This checkout's server (dist/), on the embedded store of the run, behind nginx at `issuer`. */
export function startAuthorizationServer(
  repository: string,
  runDirectory: string,
  { issuer, port, caFile }: { issuer: string; port: number; caFile: string },
  processes: Processes,
) {
  const configFile = join(runDirectory, 'authorization-server.json');
  writeFileSync(configFile, JSON.stringify(serverConfiguration(), null, 2));
  const server: RunningServer = { issuer, port, adminToken: randomBytes(24).toString('base64url'), password: `${randomBytes(12).toString('base64url')}-Aa1` };
  const child = processes.start('authorization-server', process.execPath, [
    '--disable-warning=ExperimentalWarning', '--experimental-async-context-frame', join(repository, 'dist', 'src', 'main.js'),
  ], {
    cwd: repository,
    env: {
      ...process.env,
      ISSUER: issuer,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: join(runDirectory, 'authorization-server-data'),
      CONFIG_FILE: configFile,
      CONFORMANCE_USER_PASSWORD: server.password,
      ADMIN_TOKEN: server.adminToken,
      NODE_EXTRA_CA_CERTS: caFile,
      MONGODB_URI: '',
    },
  });
  return { server, child };
}
