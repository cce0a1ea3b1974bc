import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { keyPath } from '../configuration/index.js';
import { ApiError } from '../http/api-error.js';

const ajv = new Ajv2020({ allErrors: false, strict: false });
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Validates a request body against a schema (each compiled once); throws the
 * endpoint's error (invalid_request unless given) naming the field.
 */
export function assertValid<T>(schema: object, body: unknown, code = 'invalid_request'): T {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(body)) {
    const errors = validate.errors ?? [];
    // An if/then rule reports the failed "then" and then the "if"; the first says what is missing.
    const error = errors.find((candidate) => candidate.keyword !== 'if') ?? errors[0];
    let field = keyPath(error?.instancePath ?? '');
    let problem = error?.message ?? 'is invalid';
    if (error?.keyword === 'additionalProperties') {
      field = keyPath(error.instancePath, String(error.params.additionalProperty));
      problem = 'unknown member';
    } else if (error?.keyword === 'enum') {
      problem = `must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    } else if (error?.keyword === 'pattern' && field === 'scope') {
      problem = 'holds a scope no resource server offers';
    } else if (error?.keyword === 'required') {
      field = keyPath(error.instancePath, String(error.params.missingProperty));
      problem = 'is required';
    }
    throw new ApiError(code, `${field}: ${problem}`);
  }
  return body as T;
}
