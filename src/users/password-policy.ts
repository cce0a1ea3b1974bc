import { dictionary } from '@zxcvbn-ts/language-common';

/** Why a password is refused, in words a person can act on; undefined when it is acceptable. */
export type PasswordCheck = (password: string, username?: string) => string | undefined;

export const MAX_PASSWORD_LENGTH = 256;

let commonPasswords: ReadonlySet<string> | undefined;

/** About 50,000 of the most common passwords (zxcvbn's list), lower-cased; loaded on first use. */
function isCommon(password: string): boolean {
  commonPasswords ??= new Set((dictionary['passwords-common'] as string[]).map((entry) => entry.toLowerCase()));
  return commonPasswords.has(password.toLowerCase());
}

/**
 * NIST SP 800-63B's rules: a minimum length, no composition rules, and no password that is
 * known to be common or is the username.
 */
export function passwordPolicy(minLength: number): PasswordCheck {
  return (password, username) => {
    const length = [...password].length;
    if (length < minLength) return `a password needs at least ${minLength} characters`;
    if (length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
    if (isCommon(password)) return 'this password is one of the most common ones; choose another';
    if (username !== undefined && password.toLowerCase() === username.toLowerCase()) return 'a password must differ from the username';
    return undefined;
  };
}
