import { randomUUID } from 'node:crypto';

import type { Platform } from '../platform/index.js';
import { DEFAULT_SCRYPT, PasswordHasher } from '../secrets/index.js';
import { passwordPolicy } from './password-policy.js';
import { seedUsers } from './seed.js';
import { UserDirectory } from './user-directory.js';

/** The people who sign in: the directory, with the configuration's users put in (their passwordEnv read from env). */
export async function createUsersModule({ configuration, store, now, logger }: Platform, env: Readonly<Record<string, string | undefined>>): Promise<UserDirectory> {
  const directory = new UserDirectory({
    users: store.users,
    models: store.models,
    hasher: new PasswordHasher({ ...DEFAULT_SCRYPT, ln: configuration.signIn.passwordHashCost }),
    checkPassword: passwordPolicy(configuration.signIn.passwordMinLength),
    now,
    newId: randomUUID,
  });
  await seedUsers(configuration.users, directory, env, logger);
  return directory;
}
