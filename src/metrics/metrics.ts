import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A signing key as the metrics see it (the key ring's view). */
export interface SigningKeyState {
  alg: string;
  state: 'pending' | 'active' | 'retired';
  activateAt: Date;
}

/**
 * What the server counts, in the Prometheus text format. Labels are bounded sets only (route
 * templates, operation names, outcomes): never a client id, a user id or a path's values.
 */
export interface Metrics {
  readonly registry: Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  storeOperation(operation: string, seconds: number, failed: boolean): void;
  clientAuthenticationFailed(route: string): void;
  /** An access or refresh token issued: by grant type, format and resource server (a configured, bounded set). */
  tokenIssued(kind: 'access_token' | 'refresh_token', grantType: string, format: 'jwt' | 'opaque', resource: string): void;
  introspection(active: boolean): void;
  /** Every audited event (registrations, sign-ins, lockouts, admin changes), by who acted (a kind, never an id). */
  audited(action: string, outcome: 'success' | 'failure', actorKind: string): void;
  /** Reports the signing keys' state at every scrape. */
  watchSigningKeys(keys: () => readonly SigningKeyState[], now: () => Date): void;
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
  const tokens = new Counter({
    name: 'tokens_issued_total', help: 'Access and refresh tokens issued, by kind, grant type, format (jwt, opaque) and resource server.',
    labelNames: ['kind', 'grant_type', 'format', 'resource'], registers: [registry],
  });
  const introspections = new Counter({
    name: 'token_introspections_total', help: 'Introspection answers by outcome (active, inactive).',
    labelNames: ['outcome'], registers: [registry],
  });
  const audited = new Counter({
    name: 'audit_events_total',
    help: 'Audited events by action (client.create = registrations, user.sign_in, user.lockout, ...), outcome and the kind of actor (admin-token, client, registration, konnect, user, anonymous).',
    labelNames: ['action', 'outcome', 'actor'], registers: [registry],
  });
  return {
    registry,
    tokenIssued(kind, grantType, format, resource) {
      tokens.labels(kind, grantType, format, resource).inc();
    },
    introspection(active) {
      introspections.labels(active ? 'active' : 'inactive').inc();
    },
    audited(action, outcome, actorKind) {
      audited.labels(action, outcome, actorKind).inc();
    },
    watchSigningKeys(keys, now) {
      // A registry shared by a server built again (a restart in tests) gets the gauges once, reading the latest key ring.
      for (const name of ['signing_keys', 'signing_key_active_age_seconds', 'signing_key_next_activation_timestamp_seconds']) registry.removeSingleMetric(name);
      new Gauge({
        name: 'signing_keys', help: 'Signing keys by algorithm and state (pending: published, not yet signing; active; retired: published until its tokens expire).',
        labelNames: ['alg', 'state'], registers: [registry],
        collect() {
          this.reset();
          for (const key of keys()) this.labels(key.alg, key.state).inc();
        },
      });
      new Gauge({
        name: 'signing_key_active_age_seconds', help: 'How long the active signing key of each algorithm has been signing.',
        labelNames: ['alg'], registers: [registry],
        collect() {
          this.reset();
          for (const key of keys().filter((candidate) => candidate.state === 'active')) {
            this.labels(key.alg).set(Math.max(0, (now().getTime() - key.activateAt.getTime()) / 1000));
          }
        },
      });
      new Gauge({
        name: 'signing_key_next_activation_timestamp_seconds', help: 'When a rotation under way makes the pending key of an algorithm sign (absent when none is pending).',
        labelNames: ['alg'], registers: [registry],
        collect() {
          this.reset();
          for (const key of keys().filter((candidate) => candidate.state === 'pending')) this.labels(key.alg).set(key.activateAt.getTime() / 1000);
        },
      });
    },
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
