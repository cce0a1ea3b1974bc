export { ClientRegistrar, type ChangeContext, type MetadataValidator, type RegisteredClient, type Registrant } from './client-registrar.js';
export { InitialAccessTokens, RegistrationAccessTokens, generateSecret } from './access-tokens.js';
export { RegistrationError } from './errors.js';
export {
  ADMIN_CLIENT_METADATA_SCHEMA, ADMIN_CLIENT_PROPERTIES, CLIENT_ID, CLIENT_METADATA_PROPERTIES, CLIENT_METADATA_SCHEMA, parseClientMetadata, type ClientMetadata,
} from './metadata-schema.js';
export { applyPolicy, DEFAULT_POLICY, identityDefaultScope, resolvePolicies, unrestrictedPolicy, type RegistrationPolicy } from './policy.js';
export { clientInformation, fromRecord, registrationClientUri, REGISTRATION_PATH } from './presenter.js';
export { registrationRoutes, type RegistrationRouteDependencies } from './routes.js';
export { SoftwareStatements } from './software-statement.js';
export { attributesOf, selfManagementAllowed, softwareIdVerified, type ClientAttributes } from './attributes.js';
export { createRegistrationModule, type RegistrationModule } from './module.js';
