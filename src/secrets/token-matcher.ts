import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Matches a presented credential against a list of configured ones (several at once, for
 * rotation) in constant time: every candidate is compared, whatever matched. Returns the index of
 * the match, or -1.
 */
export function createTokenMatcher(tokens: readonly string[]): (presented: string) => number {
  const candidates = tokens.map(digest);
  return (presented) => {
    const actual = digest(presented);
    let match = -1;
    candidates.forEach((candidate, index) => {
      if (timingSafeEqual(candidate, actual) && match === -1) match = index;
    });
    return match;
  };
}
