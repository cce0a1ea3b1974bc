import { ConfigurationError } from './errors.js';

/** Environment variables and the configuration keys they override. */
export const ENVIRONMENT_KEYS = {
  PORT: 'port',
  HOST: 'host',
  ISSUER: 'issuer',
  MONGODB_URI: 'mongodbUri',
  DATA_DIR: 'dataDir',
  ENCRYPTION_KEY: 'encryptionKey',
  ADMIN_TOKEN: 'adminTokens',
  LOG_LEVEL: 'logLevel',
  PRUNE_STATIC_CLIENTS: 'pruneStaticClients',
} as const;

export type Environment = Readonly<Record<string, string | undefined>>;

/** The overrides the environment makes, as configuration-file keys (validated with the file). */
export function environmentOverrides(env: Environment): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT_KEYS)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    overrides[key] = parseVariable(variable, raw);
  }
  return overrides;
}

function parseVariable(variable: string, raw: string): unknown {
  switch (variable) {
    case 'PORT': {
      if (!/^\d+$/.test(raw)) throw new ConfigurationError('PORT', `must be an integer, got "${raw}"`);
      return Number(raw);
    }
    case 'PRUNE_STATIC_CLIENTS': {
      if (raw !== 'true' && raw !== 'false') throw new ConfigurationError('PRUNE_STATIC_CLIENTS', `must be true or false, got "${raw}"`);
      return raw === 'true';
    }
    case 'ADMIN_TOKEN':
      return raw.split(',').map((token) => token.trim()).filter(Boolean);
    default:
      return raw;
  }
}
