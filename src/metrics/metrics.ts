import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * What the server counts, in the Prometheus text format. Labels are bounded sets only (route
 * templates, operation names, outcomes): never a client id, a user id or a path's values.
 */
export interface Metrics {
  readonly registry: Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  storeOperation(operation: string, seconds: number, failed: boolean): void;
  clientAuthenticationFailed(route: string): void;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics({ backend, processMetrics = false }: { backend: string; processMetrics?: boolean }): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP requests by route, method and status class, with their latency.',
    labelNames: ['route', 'method', 'status'], buckets: HTTP_BUCKETS, registers: [registry],
  });
  const store = new Histogram({
    name: 'store_operation_duration_seconds', help: 'Store operations by backend and operation, with their latency.',
    labelNames: ['backend', 'operation'], buckets: STORE_BUCKETS, registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'store_operation_errors_total', help: 'Store operations that failed (unreachable, timed out, refused).',
    labelNames: ['backend', 'operation'], registers: [registry],
  });
  const authenticationFailures = new Counter({
    name: 'client_authentication_failures_total', help: 'Failed client authentications by endpoint.',
    labelNames: ['route'], registers: [registry],
  });
  return {
    registry,
    httpRequest(route, method, status, seconds) {
      // A method a client made up is one label value, not one per spelling.
      requests.labels(route, METHODS.has(method) ? method : 'OTHER', `${Math.floor(status / 100)}xx`).observe(seconds);
    },
    storeOperation(operation, seconds, failed) {
      store.labels(backend, operation).observe(seconds);
      if (failed) storeErrors.labels(backend, operation).inc();
    },
    clientAuthenticationFailed(route) {
      authenticationFailures.labels(route).inc();
    },
  };
}
