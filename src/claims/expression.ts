/**
 * The claim expression language: a quoted string literal, or a path over the client
 * (`app.clientId`, `app.clientName`, `app.softwareId`, `app.profile.<key>[.<key>...]`).
 * Expressions are parsed once at start-up into plain functions; nothing is evaluated as code and
 * only own properties of the profile are read.
 */

export type ClaimValue = string | number | boolean | null | ClaimValue[] | { [key: string]: ClaimValue };

/** What an expression can see of a client. */
export interface ClientView {
  clientId: string;
  clientName?: string | undefined;
  softwareId?: string | undefined;
  profile?: Record<string, unknown> | undefined;
}

export type CompiledExpression = (app: ClientView) => ClaimValue | undefined;

export class ExpressionError extends Error {}

const CLIENT_PATHS: Record<string, (app: ClientView) => ClaimValue | undefined> = {
  'app.clientId': (app) => app.clientId,
  'app.clientName': (app) => app.clientName,
  'app.softwareId': (app) => app.softwareId,
};

const PROFILE_PREFIX = 'app.profile.';
const PROFILE_KEY = /^[A-Za-z0-9_-]+$/;

export function compileExpression(source: string): CompiledExpression {
  const expression = source.trim();
  const quote = expression[0];
  if (quote === '"' || quote === "'") return compileLiteral(expression, quote);

  const clientPath = CLIENT_PATHS[expression];
  if (clientPath) return clientPath;

  if (expression.startsWith(PROFILE_PREFIX)) {
    const keys = expression.slice(PROFILE_PREFIX.length).split('.');
    const bad = keys.find((key) => !PROFILE_KEY.test(key));
    if (bad !== undefined) throw new ExpressionError(`invalid profile key "${bad}" in "${source}"`);
    return (app) => readProfile(app.profile, keys);
  }

  const known = [...Object.keys(CLIENT_PATHS), `${PROFILE_PREFIX}<key>`, 'a quoted string'].join(', ');
  throw new ExpressionError(`unknown expression "${source}" (expected one of ${known})`);
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
