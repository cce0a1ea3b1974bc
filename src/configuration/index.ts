export { loadConfiguration, configurationSchema, keyPath, type ConfigurationSources } from './load.js';
export { ConfigurationError } from './errors.js';
export { ENVIRONMENT_KEYS, type Environment } from './environment.js';
export type * from './types.js';
export { CONSOLE_CLIENT_ID, IDENTITY_SCOPES, OPENID_CONNECT_SCOPES } from './types.js';
export { renderConfigurationReference } from './reference.js';
