import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

const SALT = 'dcr-authorization-server/v1';
const ENCRYPTION_PREFIX = 'aes256gcm.';
const HASH_PREFIX = 'hmac-sha256:';

export function deriveKey(masterSecret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, SALT, purpose, 32));
}

/** Encrypts what must be recovered (private signing keys) with AES-256-GCM. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = deriveKey(masterSecret, 'encryption');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ENCRYPTION_PREFIX + [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
  }

  open(sealed: string): string {
    if (!sealed.startsWith(ENCRYPTION_PREFIX)) throw new Error('not a sealed value');
    const [iv, ciphertext, tag] = sealed.slice(ENCRYPTION_PREFIX.length).split('.').map((part) => Buffer.from(part, 'base64url'));
    if (!iv || !ciphertext || !tag) throw new Error('malformed sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  }
}

/**
 * Hashes what only needs comparing (client secrets, token values used as storage keys). A keyed
 * hash: the secrets we generate carry 256 bits and need no slow KDF, and the key keeps a stolen
 * database from being used to test guesses of admin-chosen secrets offline.
 */
export class SecretHasher {
  readonly #key: Buffer;

  constructor(masterSecret: string) {
    this.#key = deriveKey(masterSecret, 'hashing');
  }

  hash(value: string): string {
    return HASH_PREFIX + createHmac('sha256', this.#key).update(value, 'utf8').digest('base64url');
  }

  isHash(value: string): boolean {
    return value.startsWith(HASH_PREFIX);
  }

  matches(value: string, expectedHash: string): boolean {
    const actual = Buffer.from(this.hash(value));
    const expected = Buffer.from(expectedHash);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
