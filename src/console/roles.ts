import type { ConsoleConfig } from '../configuration/types.js';
import type { UserRecord } from '../storage/index.js';

/** What an administrator signed in to the console may do through the admin API. */
export type ConsoleRole = 'full' | 'read-only';

/**
 * The role the user holds now, from its groups: full wins over read-only; a disabled or deleted
 * user, or one in neither kind of group, holds none. Asked on every request, so that removing
 * someone from the group takes effect at their next call, not when their token expires.
 */
export function consoleRoles(config: Pick<ConsoleConfig, 'adminGroups' | 'readOnlyGroups'>, findUser: (id: string) => Promise<UserRecord | undefined>) {
  const full = new Set(config.adminGroups);
  const readOnly = new Set(config.readOnlyGroups);
  return async (userId: string): Promise<{ role: ConsoleRole; user: UserRecord } | undefined> => {
    const user = await findUser(userId);
    if (!user || user.disabled) return undefined;
    if (user.groups.some((group) => full.has(group))) return { role: 'full', user };
    if (user.groups.some((group) => readOnly.has(group))) return { role: 'read-only', user };
    return undefined;
  };
}
