import type { Context, Next } from 'koa';

/** An RFC-shaped error: `{"error": ..., "error_description": ...}` with its HTTP status and headers. */
export class ApiError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'ApiError';
  }

  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** Renders ApiErrors thrown by the routes below it; anything else goes on to the 500 handler. */
export async function apiErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    ctx.set('Cache-Control', 'no-store');
    ctx.set(error.headers);
    ctx.status = error.status;
    ctx.body = error.body;
  }
}
