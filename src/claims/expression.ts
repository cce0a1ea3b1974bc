/**
 * The claim expression language, Okta's in miniature:
 *
 *   - a quoted string literal: "gold";
 *   - a path over the client: app.clientId, app.clientName, app.softwareId, app.profile.<key>[.<key>...];
 *   - a path over the signed-in user: user.id, user.username, user.email, user.groups,
 *     user.profile.<key>[.<key>...] (Okta's appuser.userName, appuser.email, appuser.id too);
 *   - a choice on whether something is there: (user != null) ? user.username : app.clientId
 *     (Okta's system pattern; == null is the opposite test, the parentheses are optional).
 *
 * Expressions are parsed once at start-up into plain functions; nothing is evaluated as code and
 * only own properties of a profile are read.
 */

export type ClaimValue = string | number | boolean | null | ClaimValue[] | { [key: string]: ClaimValue };

/** What an expression can see of a client. */
export interface ClientView {
  clientId: string;
  clientName?: string | undefined;
  softwareId?: string | undefined;
  profile?: Record<string, unknown> | undefined;
}

/** What an expression can see of the user a token is issued to (none for client credentials). */
export interface UserView {
  id: string;
  username: string;
  email?: string | undefined;
  groups: readonly string[];
  profile: Record<string, unknown>;
}

export interface ExpressionContext {
  app: ClientView;
  user?: UserView | undefined;
}

export type CompiledExpression = (context: ExpressionContext) => ClaimValue | undefined;

export class ExpressionError extends Error {}

const PATHS: Record<string, CompiledExpression> = {
  'app.clientId': ({ app }) => app.clientId,
  'app.clientName': ({ app }) => app.clientName,
  'app.softwareId': ({ app }) => app.softwareId,
  'user.id': ({ user }) => user?.id,
  'user.username': ({ user }) => user?.username,
  'user.email': ({ user }) => user?.email,
  'user.groups': ({ user }) => (user ? [...user.groups] : undefined),
  // Okta's names for the same.
  'appuser.id': ({ user }) => user?.id,
  'appuser.userName': ({ user }) => user?.username,
  'appuser.email': ({ user }) => user?.email,
};

const PROFILES: Record<string, (context: ExpressionContext) => unknown> = {
  'app.profile.': ({ app }) => app.profile,
  'user.profile.': ({ user }) => user?.profile,
};
const PROFILE_KEY = /^[A-Za-z0-9_-]+$/;

/** What a condition may test for null: the user itself, or any value path. */
const SUBJECTS: Record<string, CompiledExpression> = {
  user: ({ user }) => (user ? user.id : undefined),
  appuser: ({ user }) => (user ? user.id : undefined),
};

const CONDITION = /^\(?\s*([A-Za-z][A-Za-z0-9_.-]*)\s*(!=|==)\s*null\s*\)?$/;

export function compileExpression(source: string): CompiledExpression {
  const expression = source.trim();
  const question = indexOutsideQuotes(expression, '?');
  if (question < 0) return compileValue(expression, source);
  const colon = indexOutsideQuotes(expression, ':', question + 1);
  if (colon < 0) throw new ExpressionError(`"${source}": a ? needs a : (condition ? value : otherwise)`);
  const condition = CONDITION.exec(expression.slice(0, question).trim());
  if (!condition) throw new ExpressionError(`"${source}": the condition must be <path> != null or <path> == null`);
  const subject = (Object.hasOwn(SUBJECTS, condition[1]!) ? SUBJECTS[condition[1]!] : undefined) ?? compileValue(condition[1]!, source);
  const whenPresent = condition[2] === '!=';
  const then = compileValue(expression.slice(question + 1, colon).trim(), source);
  const otherwise = compileValue(expression.slice(colon + 1).trim(), source);
  return (context) => {
    const present = subject(context) !== undefined && subject(context) !== null;
    return present === whenPresent ? then(context) : otherwise(context);
  };
}

function compileValue(expression: string, source: string): CompiledExpression {
  const quote = expression[0];
  if (quote === '"' || quote === "'") return compileLiteral(expression, quote);
  if (Object.hasOwn(PATHS, expression)) return PATHS[expression]!;
  for (const [prefix, profileOf] of Object.entries(PROFILES)) {
    if (!expression.startsWith(prefix)) continue;
    const keys = expression.slice(prefix.length).split('.');
    const bad = keys.find((key) => !PROFILE_KEY.test(key));
    if (bad !== undefined) throw new ExpressionError(`invalid profile key "${bad}" in "${source}"`);
    return (context) => readProfile(profileOf(context), keys);
  }
  const known = [...Object.keys(PATHS), 'app.profile.<key>', 'user.profile.<key>', 'a quoted string', '(user != null) ? <value> : <value>'].join(', ');
  throw new ExpressionError(`unknown expression "${source}" (expected one of ${known})`);
}

/** The first index of a character outside quoted string literals, or -1. */
function indexOutsideQuotes(text: string, wanted: string, from = 0): number {
  let quote: string | undefined;
  for (let index = from; index < text.length; index += 1) {
    const char = text[index]!;
    if (quote) {
      if (char === '\\') index += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === wanted) {
      return index;
    }
  }
  return -1;
}

function compileLiteral(expression: string, quote: string): CompiledExpression {
  let value = '';
  for (let i = 1; i < expression.length; i += 1) {
    const char = expression[i];
    if (char === '\\') {
      const escaped = expression[i + 1];
      if (escaped === undefined) break;
      value += escaped;
      i += 1;
    } else if (char === quote) {
      if (i !== expression.length - 1) throw new ExpressionError(`unexpected text after the string literal in ${expression}`);
      return () => value;
    } else {
      value += char;
    }
  }
  throw new ExpressionError(`unterminated string literal ${expression}`);
}

function readProfile(profile: unknown, keys: string[]): ClaimValue | undefined {
  let current: unknown = profile;
  for (const key of keys) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return isClaimValue(current) ? current : undefined;
}

function isClaimValue(value: unknown): value is ClaimValue {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object':
      return Array.isArray(value) ? value.every(isClaimValue) : Object.values(value).every(isClaimValue);
    default:
      return false;
  }
}
