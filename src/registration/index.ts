export { ClientRegistrar, type MetadataValidator, type RegisteredClient, type Registrant } from './client-registrar.js';
export { InitialAccessTokens, RegistrationAccessTokens, generateSecret } from './access-tokens.js';
export { RegistrationError } from './errors.js';
export { CLIENT_METADATA_SCHEMA, CLIENT_METADATA_PROPERTIES, type ClientMetadata } from './metadata-schema.js';
export { DEFAULT_POLICY, resolvePolicies, unrestrictedPolicy, type RegistrationPolicy } from './policy.js';
export { clientInformation, fromRecord, registrationClientUri, REGISTRATION_PATH } from './presenter.js';
export { registrationRoutes, type RegistrationRouteDependencies } from './routes.js';
export { SoftwareStatements } from './software-statement.js';
