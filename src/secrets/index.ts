export { resolveMasterSecret } from './master-key.js';
export { deriveKey, SecretBox, SecretHasher } from './secret-keys.js';
export { createTokenMatcher } from './token-matcher.js';
