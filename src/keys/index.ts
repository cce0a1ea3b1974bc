export { ensureSigningKeys, type SigningKeySet } from './signing-keys.js';
