import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { format } from 'node:util';

import type Koa from 'koa';

import { isClusterPrimary, reportReady, runClusterPrimary } from './cluster.js';
import { ConfigurationError, loadConfiguration, type Configuration } from './configuration/index.js';
import { createLogger, type Logger } from './logging/index.js';
import { createMetrics, metricsApp } from './metrics/index.js';
import { createAuthorizationServer } from './server.js';
import { createRequestTracing } from './tracing/index.js';
import { openStore } from './storage/index.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Whatever a library prints through console (oidc-provider's notices, ...) becomes a JSON line too. */
function routeConsoleToLogger(logger: Logger): void {
  const to = (level: keyof Logger) => (...args: unknown[]) => {
    const message = format(...args);
    // The token fast path hands oidc-provider a body it has already read, on purpose (provider/client-credentials-fast-path.ts).
    if (message.includes('already parsed request body detected')) return;
    logger[level](message, { source: 'console' });
  };
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warn');
  console.error = to('error');
  console.debug = to('debug');
}

/** Listens before anything else is started, so that a port in use stops start-up at once, in one line. */
function listen(configuration: Configuration, handle: { current: Handler | undefined }) {
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    if (handle.current) {
      void handle.current(request, response);
      return;
    }
    response.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '1', 'Cache-Control': 'no-store' });
    response.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the server is starting' }));
  });
  return new Promise<typeof server>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${configuration.host ?? 'every interface'}, port ${configuration.port} (PORT)`;
      if (error.code === 'EADDRINUSE') reject(new Error(`${where} is already in use by another process`));
      else if (error.code === 'EACCES') reject(new Error(`${where}: permission denied (ports below 1024 need privileges)`));
      else reject(new Error(`cannot listen on ${where}: ${error.message}`));
    });
    server.listen(configuration.port, configuration.host, () => resolve(server));
  });
}

/** The metrics' own port (metrics.port): a port in use stops start-up, naming the key. */
function listenForMetrics(configuration: Configuration, app: Koa) {
  const server = createServer(app.callback());
  return new Promise<typeof server>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(new ConfigurationError('metrics.port', `cannot listen on port ${configuration.metrics.port}: ${error.code === 'EADDRINUSE' ? 'already in use' : error.message}`));
    });
    server.listen(configuration.metrics.port, configuration.host, () => resolve(server));
  });
}

async function start(): Promise<void> {
  // `npm start -- --prune-static-clients`: a one-off, as the variable is.
  const env = process.argv.includes('--prune-static-clients') ? { ...process.env, PRUNE_STATIC_CLIENTS: 'true' } : process.env;
  const configuration = loadConfiguration({ env });
  const logger = createLogger(configuration.logLevel);
  routeConsoleToLogger(logger);
  if (isClusterPrimary(configuration)) {
    runClusterPrimary(configuration, logger);
    return;
  }

  const handle: { current: Handler | undefined } = { current: undefined };
  const httpServer = await listen(configuration, handle);
  httpServer.requestTimeout = configuration.http.requestTimeoutSeconds * 1000;
  httpServer.headersTimeout = configuration.http.headersTimeoutSeconds * 1000;
  httpServer.keepAliveTimeout = configuration.http.keepAliveTimeoutSeconds * 1000;

  const metrics = createMetrics({ backend: configuration.mongodbUri ? 'mongodb' : 'sqlite', processMetrics: true });
  const metricsServer = configuration.metrics.enabled && configuration.metrics.port !== undefined
    ? await listenForMetrics(configuration, metricsApp(metrics, configuration.metrics.token))
    : undefined;
  const tracing = createRequestTracing(process.env);
  const store = await openStore(
    configuration,
    (operation, seconds, failed) => metrics.storeOperation(operation, seconds, failed),
    (message, error) => logger.warn(message, { error }),
  );
  logger.info('store opened', { backend: store.backend, expiryMode: store.expiryMode });

  let server;
  try {
    server = await createAuthorizationServer({ configuration, store, logger, telemetry: { metrics, tracing } });
  } catch (error) {
    await store.close();
    throw error;
  }

  // Handlers can outlive their connection (a client that hung up); the store closes only once
  // every one of them has finished.
  const app = server.app.callback();
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  let drained: (() => void) | undefined;
  handle.current = async (request, response) => {
    // After SIGTERM every response closes its connection: a keep-alive client sends its next
    // request on a new connection (to another instance), never on one that is about to close.
    if (stopping) response.setHeader('Connection', 'close');
    inFlight.add(response);
    try {
      await app(request, response);
    } finally {
      inFlight.delete(response);
      if (inFlight.size === 0) drained?.();
    }
  };
  const allHandled = () => new Promise<void>((resolve) => {
    if (inFlight.size === 0) resolve();
    else drained = resolve;
  });
  logger.info('listening', { host: configuration.host ?? 'every interface', port: configuration.port, issuer: configuration.issuer });
  reportReady();

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, inFlight: inFlight.size });
    server.stop();
    metricsServer?.close();
    for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
    const exit = async () => {
      try {
        // Spans still buffered are sent; an unreachable collector does not hold the exit up.
        await tracing?.shutdown().catch((error: unknown) => logger.warn('sending the last traces failed', { error }));
        await store.close();
        logger.info('stopped');
        process.exit(0);
      } catch (error) {
        logger.error('closing the store failed', { error });
        process.exit(1);
      }
    };
    // No new connections; idle keep-alive connections close now, busy ones right after their
    // response (Connection: close). Once all are closed and every handler has finished, exit.
    httpServer.close(() => {
      void allHandled().then(exit);
    });
    httpServer.closeIdleConnections();
    setTimeout(() => {
      logger.warn('shutdown grace period over; closing remaining connections', { inFlight: inFlight.size });
      httpServer.closeAllConnections();
      void exit();
    }, configuration.http.shutdownGraceSeconds * 1000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

start().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
