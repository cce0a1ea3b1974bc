/**
 * The store cannot serve right now (unreachable, frozen, locked, out of space): the request it
 * was serving answers 503 temporarily_unavailable, never 500 and never after a long wait.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The store outage behind an error: the error itself, or the one another error wraps as its cause
 * (oidc-provider's 503 temporarily_unavailable, which its models throw for an outage, see
 * provider/store-errors.ts, reaches our own routes when they call those models).
 */
export function storeOutageOf(error: unknown): StoreUnavailableError | undefined {
  if (error instanceof StoreUnavailableError) return error;
  const cause = (error as { cause?: unknown } | null | undefined)?.cause;
  return cause instanceof StoreUnavailableError ? cause : undefined;
}

/** A client id that is already registered (a create raced another, or an admin chose a taken id). */
export class DuplicateClientError extends Error {
  override name = 'DuplicateClientError';

  constructor(readonly clientId: string) {
    super(`client ${clientId} already exists`);
  }
}

/** A username that another user has (usernames are compared case-insensitively). */
export class DuplicateUserError extends Error {
  override name = 'DuplicateUserError';

  constructor(readonly username: string) {
    super(`username ${username} is taken`);
  }
}
