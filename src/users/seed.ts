import type { UserConfig } from '../configuration/index.js';
import type { Logger } from '../logging/index.js';
import type { UserDirectory } from './user-directory.js';

/**
 * Creates the users the configuration file declares whose usernames are free. A user that exists
 * is left as it is: from its creation on, the admin API owns it (a password changed there must
 * not be reset at every start).
 */
export async function seedUsers(
  users: readonly UserConfig[],
  directory: UserDirectory,
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): Promise<void> {
  for (const user of users) {
    if (await directory.findByUsername(user.username)) continue;
    const password = user.passwordEnv === undefined ? undefined : env[user.passwordEnv];
    const { passwordEnv: _passwordEnv, passwordHash, ...attributes } = user;
    const created = await directory.create(attributes, { password, passwordHash });
    logger.info('user created from the configuration file', { userId: created.id, username: user.username });
  }
}
