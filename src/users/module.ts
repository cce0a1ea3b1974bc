import { randomUUID } from 'node:crypto';

import type { Platform } from '../platform/index.js';
import { DEFAULT_SCRYPT, PasswordHasher } from '../secrets/index.js';
import { passwordPolicy } from './password-policy.js';
import { seedUsers } from './seed.js';
import { UserDirectory } from './user-directory.js';

export interface UsersModule {
  directory: UserDirectory;
  /** Puts the configuration's users in (their passwordEnv read from env): after the static clients, as start-up always has. */
  seed(): Promise<void>;
}

/** The people who sign in: the directory, and the configuration's users to put in it. */
export function createUsersModule({ configuration, store, now, logger }: Platform, env: Readonly<Record<string, string | undefined>>): UsersModule {
  const directory = new UserDirectory({
    users: store.users,
    models: store.models,
    hasher: new PasswordHasher({ ...DEFAULT_SCRYPT, ln: configuration.signIn.passwordHashCost }),
    checkPassword: passwordPolicy(configuration.signIn.passwordMinLength),
    now,
    newId: randomUUID,
  });
  return { directory, seed: () => seedUsers(configuration.users, directory, env, logger) };
}
