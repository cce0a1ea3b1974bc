import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import request from 'supertest';
import type { Response } from 'supertest';

export const ADMIN_TOKEN = 'admin-token-one-0123456789abcdef';
export const SECOND_ADMIN_TOKEN = 'admin-token-two-0123456789abcdef';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
}

/**
 * Checks admin API responses against the server's own /admin/openapi.json: every status a test
 * receives must be documented for its operation, and its body must match the documented schema.
 */
export class OpenApiConformance {
  readonly #validators = new Map<string, ValidateFunction | null>();
  readonly #routes: { method: string; template: string; pattern: RegExp }[];
  checked = 0;

  constructor(private readonly document: OpenApiDocument) {
    this.#routes = Object.entries(document.paths).flatMap(([template, operations]) =>
      Object.keys(operations).filter((key) => key !== 'parameters').map((method) => ({
        method,
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })));
  }

  static async load(url: string): Promise<OpenApiConformance> {
    const { body } = await request(url).get('/admin/openapi.json').expect(200);
    return new OpenApiConformance(body as OpenApiDocument);
  }

  #validator(method: string, template: string, status: number): ValidateFunction | null {
    const key = `${method} ${template} ${status}`;
    if (!this.#validators.has(key)) {
      const response = this.document.paths[template]?.[method]?.responses?.[String(status)];
      if (!response) throw new Error(`${method.toUpperCase()} ${template} answered ${status}, which the OpenAPI document does not list`);
      const schema = response.content?.['application/json']?.schema;
      if (!schema) {
        this.#validators.set(key, null);
      } else {
        const ajv = new Ajv2020({ strict: false, allErrors: true });
        addFormats.default(ajv);
        this.#validators.set(key, ajv.compile({ ...schema, components: this.document.components }));
      }
    }
    return this.#validators.get(key)!;
  }

  check(method: Method, path: string, response: Response): void {
    const pathname = path.split('?')[0]!;
    const route = this.#routes.find((candidate) => candidate.method === method && candidate.pattern.test(pathname));
    if (!route) throw new Error(`${method.toUpperCase()} ${pathname} is not in the OpenAPI document`);
    const validate = this.#validator(method, route.template, response.status);
    if (validate && !validate(response.body)) {
      throw new Error(`${method.toUpperCase()} ${pathname} ${response.status} does not match the OpenAPI document: ${JSON.stringify(validate.errors)}\n${JSON.stringify(response.body)}`);
    }
    this.checked += 1;
  }
}

/** An admin API client for tests: every response is checked against the OpenAPI document. */
export function adminClient(url: string, conformance: OpenApiConformance, token: string | null = ADMIN_TOKEN) {
  const call = async (method: Method, path: string, body?: unknown, contentType = 'application/json') => {
    const pending = request(url)[method](`/admin${path}`);
    if (token !== null) pending.set('Authorization', `Bearer ${token}`);
    if (body !== undefined) pending.set('Content-Type', contentType).send(typeof body === 'string' ? body : JSON.stringify(body));
    const response = await pending;
    conformance.check(method, path, response);
    return response;
  };
  return {
    get: (path: string) => call('get', path),
    post: (path: string, body?: unknown) => call('post', path, body),
    put: (path: string, body: unknown) => call('put', path, body),
    patch: (path: string, body: unknown) => call('patch', path, body, 'application/merge-patch+json'),
    delete: (path: string) => call('delete', path),
  };
}

export type AdminClient = ReturnType<typeof adminClient>;

export function adminConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    adminTokens: [ADMIN_TOKEN, SECOND_ADMIN_TOKEN],
    resourceServers: [
      { resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write'], default: true },
      { resource: 'https://reports.example.com', scopes: ['reports:read'], accessTokenFormat: 'opaque' },
    ],
    clients: [{ client_id: 'gateway', client_secret: 'gateway-secret-0123456789abcdef' }],
    registration: {
      policies: { default: { scopes: ['orders:read'] } },
      initialAccessTokens: [{ id: 'test-iat', token: 'admin-test-initial-access-token-0123456789' }],
    },
    ...extra,
  };
}
