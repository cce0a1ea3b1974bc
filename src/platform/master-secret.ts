import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigurationError, type Configuration } from '../configuration/index.js';
import { createDirectories } from '../storage/index.js';

const KEY_FILE = 'encryption.key';

/**
 * The master secret everything at rest is protected with. It never lives in the store: with
 * MongoDB it must be configured (every instance needs the same one); the embedded store keeps a
 * generated one next to its database file.
 */
export function resolveMasterSecret(configuration: Configuration): string {
  if (configuration.encryptionKey) return configuration.encryptionKey;
  if (configuration.mongodbUri) {
    throw new ConfigurationError('encryptionKey', 'is required when mongodbUri is set (set ENCRYPTION_KEY to the same secret of at least 32 characters on every instance)');
  }
  try {
    createDirectories(configuration.dataDir);
  } catch (error) {
    throw new ConfigurationError('dataDir', `cannot create ${configuration.dataDir} (DATA_DIR): ${(error as Error).message}`);
  }
  const path = join(configuration.dataDir, KEY_FILE);
  try {
    writeFileSync(path, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32) throw new ConfigurationError('encryptionKey', `${path} holds fewer than 32 characters`);
  return secret;
}
