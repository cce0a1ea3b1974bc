import { readFileSync } from 'node:fs';

import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { load } from 'js-yaml';
import type { Response } from 'supertest';

interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}

interface KonnectDocument {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> };
}

/**
 * Kong's published contract for Konnect's HTTP DCR provider (test/fixtures, copied from
 * shared/reference): every status the bridge answers must be one the contract lists for the
 * operation, and every body must match the contract's schema.
 */
export class KonnectContract {
  readonly #document: KonnectDocument;
  readonly #ajv: Ajv.default;
  readonly #validators = new Map<string, ValidateFunction | null>();
  checked = 0;

  constructor() {
    this.#document = load(readFileSync('test/fixtures/konnect-dcr-http-openapi.yaml', 'utf8')) as KonnectDocument;
    this.#ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(this.#document as object, 'konnect');
  }

  #validator(template: string, method: string, status: number): ValidateFunction | null {
    const key = `${method} ${template} ${status}`;
    if (!this.#validators.has(key)) {
      const operation = this.#document.paths[template]?.[method] as Operation | undefined;
      let response = operation?.responses[String(status)];
      if (!response) throw new Error(`${method.toUpperCase()} ${template} answered ${status}, which Kong's contract does not list`);
      if (response.$ref) response = this.#document.components.responses[response.$ref.split('/').pop()!]!;
      const schemaRef = response.content?.['application/json']?.schema.$ref;
      this.#validators.set(key, schemaRef ? this.#ajv.getSchema(`konnect${schemaRef}`)! : null);
    }
    return this.#validators.get(key)!;
  }

  /** `template` is the contract's path: '/', '/{clientId}', '/{clientId}/new-secret', '/{clientId}/event-hook'. */
  check(template: string, method: 'post' | 'delete', response: Response): void {
    const validate = this.#validator(template, method, response.status);
    if (validate && !validate(response.body)) {
      throw new Error(`${method.toUpperCase()} ${template} ${response.status} breaks Kong's contract: ${JSON.stringify(validate.errors)} in ${JSON.stringify(response.body)}`);
    }
    if (!validate && response.status !== 204 && response.text !== '') {
      // Statuses without a documented body (200 on event-hook) must not invent one.
      throw new Error(`${method.toUpperCase()} ${template} ${response.status} has an undocumented body: ${response.text}`);
    }
    this.checked += 1;
  }
}
