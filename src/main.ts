import { createServer } from 'node:http';

import { ConfigurationError, loadConfiguration } from './configuration/index.js';
import { createLogger } from './logging/index.js';
import { createAuthorizationServer } from './server.js';
import { openStore } from './storage/index.js';

const SHUTDOWN_GRACE_MS = 10_000;

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
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const httpServer = createServer((request, response) => {
    inFlight += 1;
    void handle(request, response).finally(() => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  });
  const allHandled = () => new Promise<void>((resolve) => {
    if (inFlight === 0) resolve();
    else drained = resolve;
  });
  httpServer.listen(configuration.port, () => {
    logger.info('listening', { port: configuration.port, issuer: configuration.issuer });
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    server.stop();
    // In-flight requests finish; idle keep-alive connections are closed so that close() returns.
    httpServer.close(() => {
      allHandled().then(() => store.close()).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('closing the store failed', { error });
          process.exit(1);
        },
      );
    });
    httpServer.closeIdleConnections();
    setTimeout(() => {
      logger.warn('shutdown grace period over; closing remaining connections');
      httpServer.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
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
