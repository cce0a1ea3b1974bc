import { createServer, type ServerResponse } from 'node:http';

import { ConfigurationError, loadConfiguration } from './configuration/index.js';
import { createLogger } from './logging/index.js';
import { createAuthorizationServer } from './server.js';
import { openStore } from './storage/index.js';

async function main(): Promise<void> {
  const configuration = loadConfiguration({ env: process.env });
  const logger = createLogger(configuration.logLevel);

  const store = await openStore(configuration);
  logger.info('store opened', { backend: store.backend, expiryMode: store.expiryMode });

  let server;
  try {
    server = await createAuthorizationServer({ configuration, store, logger });
  } catch (error) {
    await store.close();
    throw error;
  }

  // Handlers can outlive their connection (a client that hung up); the store closes only once
  // every one of them has finished.
  const handle = server.app.callback();
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  let drained: (() => void) | undefined;
  // Request and header timeouts are checked every second (Node's default is every 30 s).
  const httpServer = createServer({ connectionsCheckingInterval: 1_000 }, (request, response) => {
    // After SIGTERM every response closes its connection: a keep-alive client sends its next
    // request on a new connection (to another instance), never on one that is about to close.
    if (stopping) response.setHeader('Connection', 'close');
    inFlight.add(response);
    void handle(request, response).finally(() => {
      inFlight.delete(response);
      if (inFlight.size === 0) drained?.();
    });
  });
  httpServer.requestTimeout = configuration.http.requestTimeoutSeconds * 1000;
  httpServer.headersTimeout = configuration.http.headersTimeoutSeconds * 1000;
  httpServer.keepAliveTimeout = configuration.http.keepAliveTimeoutSeconds * 1000;
  const allHandled = () => new Promise<void>((resolve) => {
    if (inFlight.size === 0) resolve();
    else drained = resolve;
  });
  httpServer.listen(configuration.port, () => {
    logger.info('listening', { port: configuration.port, issuer: configuration.issuer });
  });

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, inFlight: inFlight.size });
    server.stop();
    for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
    const exit = async () => {
      try {
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

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
