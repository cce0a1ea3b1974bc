export { createProvider, CLIENT_AUTH_METHODS, type ProviderDependencies } from './create-provider.js';
export { syncStaticClients } from './static-clients.js';
export { createAccessTokenVerifier, type AccessTokenVerifier } from './access-token-verifier.js';
export { issuedUnderCurrentRegistration } from './token-liveness.js';
export { createProviderModule, type ProviderModule } from './module.js';
export type { AdministratorSignIns } from './create-provider.js';
