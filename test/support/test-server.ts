import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { loadConfiguration, type Configuration } from '../../src/configuration/index.js';
import { silentLogger, type Logger } from '../../src/logging/index.js';
import { createMetrics } from '../../src/metrics/index.js';
import { createAuthorizationServer, type AuthorizationServer } from '../../src/server.js';
import type { Store } from '../../src/storage/index.js';
import type { Backend } from './backends.js';

export const TEST_ENCRYPTION_KEY = 'test-encryption-key-0123456789-abcdefghij';

export interface TestServer {
  url: string;
  configuration: Configuration;
  store: Store;
  server: AuthorizationServer;
  settings: { mongodbUri?: string; dataDir: string };
  /** Closes the HTTP server and the store; keeps the data (see destroy). */
  close(): Promise<void>;
  /** close() and remove the data. */
  destroy(): Promise<void>;
}

export interface TestServerOptions {
  /** The configuration file's content. */
  config?: Record<string, unknown>;
  /** false: every token and introspection request goes through oidc-provider's own pipeline (to compare with the fast paths). */
  fastPaths?: boolean;
  /** Reuse the data of an earlier server (restart). */
  settings?: { mongodbUri?: string; dataDir: string };
  /** Listen on this port (a restart keeps its issuer); a free one otherwise. */
  port?: number;
  now?: () => Date;
  /** How old a pending registration must be for maintain() to roll it back. */
  repairAfterMs?: number;
  /** The issuer, when it is not the listening address (a TLS-terminating proxy in front, say): a function of the port. */
  issuer?: (port: number) => string;
  /** Where the server logs (nowhere by default). */
  logger?: Logger;
}

/** Starts the real server on a loopback port, on the given backend, configured like production. */
export async function startTestServer(backend: Backend, options: TestServerOptions = {}): Promise<TestServer> {
  const settings = options.settings ?? backend.settings();
  const httpServer: Server = createServer();
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const configuration = loadConfiguration({
    env: {
      CONFIG_FILE: 'test-config.json',
      PORT: String(port),
      ISSUER: options.issuer?.(port) ?? url,
      DATA_DIR: settings.dataDir,
      MONGODB_URI: settings.mongodbUri,
      ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    },
    readFile: () => JSON.stringify(options.config ?? {}),
  });
  // As production wires it: store operations are timed into the server's metrics.
  const metrics = createMetrics({ backend: backend.name });
  const store = await backend.open(settings, {
    timeoutMs: configuration.storeTimeoutSeconds * 1000,
    observe: (operation, seconds, failed) => metrics.storeOperation(operation, seconds, failed),
  });
  const server = await createAuthorizationServer({
    configuration,
    store,
    logger: options.logger ?? silentLogger,
    telemetry: { metrics },
    ...(options.now ? { now: options.now } : {}),
    ...(options.repairAfterMs === undefined ? {} : { upkeep: { repairAfterMs: options.repairAfterMs } }),
    ...(options.fastPaths === undefined ? {} : { fastPaths: options.fastPaths }),
  });
  httpServer.on('request', server.app.callback());

  const close = async () => {
    server.stop();
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await store.close();
  };
  return {
    url, configuration, store, server, settings, close,
    destroy: async () => {
      await close();
      await backend.cleanup(settings);
    },
  };
}

/** A configuration with the usual resource servers and one static client per auth method. */
export const STANDARD_CONFIG = {
  resourceServers: [
    { resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write'], default: true },
    { resource: 'https://es.example.com', scopes: ['es:read'], signingAlg: 'ES256' },
    { resource: 'https://ed.example.com', scopes: ['ed:read'], signingAlg: 'EdDSA' },
    { resource: 'https://opaque.example.com', scopes: ['opaque:read'], accessTokenFormat: 'opaque' },
  ],
  claims: [{ name: 'app.clientId', value: 'app.clientId' }],
  clients: [
    { client_id: 'basic-client', client_secret: 'basic-client-secret-0123456789', scope: 'orders:read es:read ed:read opaque:read' },
    { client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' },
  ],
};

export const BASIC_CLIENT = { id: 'basic-client', secret: 'basic-client-secret-0123456789' };
export const GATEWAY_CLIENT = { id: 'gateway', secret: 'gateway-secret-0123456789abcdef' };

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
