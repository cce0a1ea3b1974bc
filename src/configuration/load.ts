import { readFileSync } from 'node:fs';

import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

import { compileExpression, ExpressionError, REGISTERED_CLAIMS } from '../claims/index.js';
import { caseInsensitiveKey } from '../storage/port.js';
import { isPasswordHash, looksLikePasswordHash } from '../secrets/index.js';
import { ENVIRONMENT_KEYS, environmentOverrides, type Environment } from './environment.js';
import { ConfigurationError } from './errors.js';
import { CONSOLE_CLIENT_ID, OPENID_CONNECT_SCOPES, type Configuration } from './types.js';

const SCHEMA_URL = new URL('../../../config/schema.json', import.meta.url);

/** The configuration file's JSON Schema: the single source of its keys, defaults and documentation. */
export const configurationSchema: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_URL, 'utf8'));

const ajv = new Ajv2020({ allErrors: false, useDefaults: true, strict: true, allowUnionTypes: true });
addFormats.default(ajv);
const validateSchema = ajv.compile<Configuration>(configurationSchema);

export interface ConfigurationSources {
  env: Environment;
  /** Reads the file named by CONFIG_FILE; injected so tests need no files. */
  readFile?: (path: string) => string;
}

/** Reads, merges (file < environment), validates and completes the configuration. */
export function loadConfiguration({ env, readFile = (path) => readFileSync(path, 'utf8') }: ConfigurationSources): Configuration {
  const fromFile = readConfigurationFile(env.CONFIG_FILE, readFile);
  const overrides = environmentOverrides(env);
  const merged: Record<string, unknown> = { ...fromFile, ...overrides };

  try {
    if (!validateSchema(merged)) {
      throw describeSchemaError(validateSchema.errors?.[0]);
    }
    const configuration = merged as unknown as Configuration;
    configuration.issuer ??= `http://localhost:${configuration.port}`;
    checkSemantics(configuration);
    checkUsers(configuration, env);
    return configuration;
  } catch (error) {
    throw error instanceof ConfigurationError ? namingVariable(error, overrides) : error;
  }
}

/** A problem with a value that came from an environment variable names the variable, not only the key. */
function namingVariable(error: ConfigurationError, overrides: Record<string, unknown>): ConfigurationError {
  const root = /^[A-Za-z]+/.exec(error.key)?.[0];
  const variable = Object.entries(ENVIRONMENT_KEYS).find(([, key]) => key === root)?.[0];
  if (root === undefined || variable === undefined || !(root in overrides)) return error;
  return new ConfigurationError(`${variable} (${error.key})`, error.problem);
}

function readConfigurationFile(path: string | undefined, readFile: (path: string) => string): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ConfigurationError('CONFIG_FILE', `cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError('CONFIG_FILE', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigurationError('CONFIG_FILE', `${path} must contain a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Turns ajv's JSON pointer into the dotted key path people write: `resourceServers[0].signingAlg`. */
export function keyPath(pointer: string, child?: string): string {
  const segments = pointer.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let path = '';
  for (const segment of segments) {
    path += /^\d+$/.test(segment) ? `[${segment}]` : path ? `.${segment}` : segment;
  }
  return path || '(root)';
}

function describeSchemaError(error: ErrorObject | undefined): ConfigurationError {
  if (!error) return new ConfigurationError('(root)', 'invalid configuration');
  switch (error.keyword) {
    case 'additionalProperties':
      return new ConfigurationError(keyPath(error.instancePath, String(error.params.additionalProperty)), 'unknown key');
    case 'required':
      return new ConfigurationError(keyPath(error.instancePath, String(error.params.missingProperty)), 'is required');
    case 'enum':
      return new ConfigurationError(keyPath(error.instancePath), `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    default:
      return new ConfigurationError(keyPath(error.instancePath), error.message ?? 'is invalid');
  }
}

function checkSemantics(configuration: Configuration): void {
  checkIssuer(configuration.issuer);
  checkEncryptionKey(configuration);
  if (configuration.cluster.workers > 1 && !configuration.mongodbUri) {
    throw new ConfigurationError('cluster.workers', 'several workers need MongoDB (mongodbUri): the embedded store serves one process');
  }
  if (configuration.metrics.port !== undefined && configuration.metrics.port === configuration.port) {
    throw new ConfigurationError('metrics.port', `must differ from the main port (${configuration.port})`);
  }
  checkResourceServers(configuration);
  checkClaims(configuration);
  checkClients(configuration);
  checkRegistration(configuration);
  checkKonnect(configuration);
}

function checkKonnect(configuration: Configuration): void {
  if (!configuration.konnect) return;
  const resources = new Set(configuration.resourceServers.map((server) => server.resource));
  for (const [audience, resource] of Object.entries(configuration.konnect.audiences)) {
    if (!resources.has(resource)) throw new ConfigurationError(`konnect.audiences.${audience}`, `"${resource}" is not a configured resource server`);
  }
  if (['/admin', '/reg', '/token', '/jwks', '/.well-known', '/console', '/interaction', '/assets'].some((taken) => configuration.konnect!.prefix === taken || configuration.konnect!.prefix.startsWith(`${taken}/`))) {
    throw new ConfigurationError('konnect.prefix', `"${configuration.konnect.prefix}" collides with another endpoint`);
  }
}

function checkUsers(configuration: Configuration, env: Environment): void {
  const usernames = new Set<string>();
  configuration.users.forEach((user, index) => {
    const at = `users[${index}]`;
    const key = caseInsensitiveKey(user.username);
    if (usernames.has(key)) throw new ConfigurationError(`${at}.username`, `duplicate username "${user.username}" (usernames are compared case-insensitively)`);
    usernames.add(key);
    if (user.passwordHash !== undefined && !isPasswordHash(user.passwordHash)) {
      throw new ConfigurationError(`${at}.passwordHash`, looksLikePasswordHash(user.passwordHash)
        ? 'has scrypt parameters outside what the server checks: 1 ≤ ln < 16 × r, r ≤ 32, p ≤ 16, and 2^ln × r × p ≤ 2^23 (the cost of signIn.passwordHashCost 20)'
        : 'is not a hash in the server\'s format ($scrypt$ln=<n>,r=<r>,p=<p>$<salt>$<key>); `dcr-admin users hash-password` prints one');
    }
    if (user.passwordHash !== undefined && user.passwordEnv !== undefined) {
      throw new ConfigurationError(`${at}.passwordEnv`, 'give passwordHash or passwordEnv, not both');
    }
    if (user.passwordEnv !== undefined && !env[user.passwordEnv]) {
      throw new ConfigurationError(`${at}.passwordEnv`, `the environment variable ${user.passwordEnv} is not set`);
    }
  });
}

/** The policy that exists even when not declared. */
export const DEFAULT_POLICY_NAME = 'default';

function checkRegistration(configuration: Configuration): void {
  const { registration, resourceServers } = configuration;
  const offered = new Set([...OPENID_CONNECT_SCOPES, ...resourceServers.flatMap((server) => server.scopes)]);
  const resources = new Set(resourceServers.map((server) => server.resource));
  const policyNames = new Set([DEFAULT_POLICY_NAME, ...Object.keys(registration.policies)]);

  for (const [name, policy] of Object.entries(registration.policies)) {
    const at = `registration.policies.${name}`;
    policy.scopes?.forEach((scope, index) => {
      if (!offered.has(scope)) throw new ConfigurationError(`${at}.scopes[${index}]`, `"${scope}" is not offered by any resource server`);
    });
    const allowed = new Set(policy.scopes ?? offered);
    for (const scope of policy.defaultScope?.split(' ').filter(Boolean) ?? []) {
      if (!allowed.has(scope)) throw new ConfigurationError(`${at}.defaultScope`, `"${scope}" is not among the policy's scopes`);
    }
    if (policy.defaultResource !== undefined && !resources.has(policy.defaultResource)) {
      throw new ConfigurationError(`${at}.defaultResource`, `"${policy.defaultResource}" is not a configured resource server`);
    }
    policy.allowedResources?.forEach((resource, index) => {
      if (!resources.has(resource)) throw new ConfigurationError(`${at}.allowedResources[${index}]`, `"${resource}" is not a configured resource server`);
    });
    if (policy.allowedResources && policy.defaultResource !== undefined && !policy.allowedResources.includes(policy.defaultResource)) {
      throw new ConfigurationError(`${at}.defaultResource`, `"${policy.defaultResource}" is not among the policy's allowedResources`);
    }
  }
  const documents = configuration.clientIdMetadataDocuments;
  if (!policyNames.has(documents.policy)) {
    throw new ConfigurationError('clientIdMetadataDocuments.policy', `unknown policy "${documents.policy}"`);
  }
  if (documents.minCacheSeconds > documents.maxCacheSeconds) {
    throw new ConfigurationError('clientIdMetadataDocuments.minCacheSeconds', 'must not exceed maxCacheSeconds');
  }
  if (documents.enabled && documents.allowedHosts.length === 0) {
    throw new ConfigurationError('clientIdMetadataDocuments.allowedHosts', 'name at least one host when documents are enabled (no host is trusted by default)');
  }
  if (!policyNames.has(registration.openPolicy)) {
    throw new ConfigurationError('registration.openPolicy', `unknown policy "${registration.openPolicy}"`);
  }
  const ids = new Set<string>();
  registration.initialAccessTokens.forEach((token, index) => {
    const at = `registration.initialAccessTokens[${index}]`;
    if (ids.has(token.id)) throw new ConfigurationError(`${at}.id`, `duplicate id "${token.id}"`);
    ids.add(token.id);
    token.policies.forEach((policy, position) => {
      if (!policyNames.has(policy)) throw new ConfigurationError(`${at}.policies[${position}]`, `unknown policy "${policy}"`);
    });
  });
  registration.softwareStatements.trustedIssuers.forEach((issuer, index) => {
    if (!issuer.jwks && !issuer.jwksUri) {
      throw new ConfigurationError(`registration.softwareStatements.trustedIssuers[${index}]`, 'needs jwks or jwksUri');
    }
  });
}

/** Checked before any network work: MongoDB instances share secrets only through the configured key. */
function checkEncryptionKey(configuration: Configuration): void {
  if (configuration.mongodbUri && !configuration.encryptionKey) {
    throw new ConfigurationError('encryptionKey', 'is required when mongodbUri is set (set ENCRYPTION_KEY to the same secret of at least 32 characters on every instance)');
  }
}

function checkIssuer(issuer: string): void {
  const url = URL.parse(issuer);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigurationError('issuer', `must be an absolute http(s) URL, got "${issuer}"`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigurationError('issuer', 'must not contain a query, a fragment or credentials');
  }
  if (url.pathname !== '/' || issuer.endsWith('/')) {
    throw new ConfigurationError('issuer', `must be an origin without a path or trailing slash (e.g. ${url.origin}), got "${issuer}"`);
  }
}

function checkResourceServers(configuration: Configuration): void {
  const { resourceServers } = configuration;
  const seen = new Set<string>();
  resourceServers.forEach((server, index) => {
    if (seen.has(server.resource)) {
      throw new ConfigurationError(`resourceServers[${index}].resource`, `duplicate resource "${server.resource}"`);
    }
    seen.add(server.resource);
  });
  const defaults = resourceServers.filter((server) => server.default);
  if (defaults.length > 1) {
    const second = resourceServers.indexOf(defaults[1]!);
    throw new ConfigurationError(`resourceServers[${second}].default`, 'only one resource server can be the default');
  }
  if (defaults.length === 0) {
    if (resourceServers.length > 1) {
      throw new ConfigurationError('resourceServers', 'mark one resource server with "default": true');
    }
    resourceServers[0]!.default = true;
  }
}

function checkClaims(configuration: Configuration): void {
  const resources = new Set(configuration.resourceServers.map((server) => server.resource));
  const names = new Set<string>();
  configuration.claims.forEach((claim, index) => {
    const at = `claims[${index}]`;
    if (REGISTERED_CLAIMS.has(claim.name)) {
      throw new ConfigurationError(`${at}.name`, `"${claim.name}" is a registered claim and cannot be mapped`);
    }
    if (names.has(claim.name)) throw new ConfigurationError(`${at}.name`, `duplicate claim "${claim.name}"`);
    names.add(claim.name);
    try {
      compileExpression(claim.value);
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw new ConfigurationError(`${at}.value`, `claim "${claim.name}": ${error.message}`);
      }
      throw error;
    }
    claim.resources?.forEach((resource, position) => {
      if (!resources.has(resource)) {
        throw new ConfigurationError(`${at}.resources[${position}]`, `"${resource}" is not a configured resource server`);
      }
    });
  });
}

function checkClients(configuration: Configuration): void {
  const ids = new Set<string>();
  configuration.clients.forEach((client, index) => {
    if (client.client_id === CONSOLE_CLIENT_ID) {
      throw new ConfigurationError(`clients[${index}].client_id`, `"${CONSOLE_CLIENT_ID}" is the admin console's own client, which the server creates itself`);
    }
    if (ids.has(client.client_id)) {
      throw new ConfigurationError(`clients[${index}].client_id`, `duplicate client_id "${client.client_id}"`);
    }
    ids.add(client.client_id);
    const method = client.token_endpoint_auth_method ?? 'client_secret_basic';
    if (method !== 'private_key_jwt' && method !== 'none' && client.client_secret === undefined) {
      throw new ConfigurationError(`clients[${index}].client_secret`, `is required for token_endpoint_auth_method ${String(method)}`);
    }
  });
}
