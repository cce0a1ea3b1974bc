export { DEFAULT_SCRYPT, isPasswordHash, looksLikePasswordHash, PasswordChecksBusyError, PasswordHasher, type ScryptParameters, type Verification } from './passwords.js';
export { deriveKey, SecretBox, SecretHasher } from './secret-keys.js';
export { createTokenMatcher } from './token-matcher.js';
