import type { Context } from 'koa';

export interface HealthCheck {
  /** Resolves when the server can serve; rejects with the reason otherwise. */
  (): Promise<void>;
}

const TIMEOUT_MS = 2_000;

/** GET /healthz: 200 once the store answers (keys are loaded before the server listens), 503 otherwise. */
export function healthEndpoint(check: HealthCheck) {
  return async (ctx: Context): Promise<void> => {
    ctx.set('Cache-Control', 'no-store');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('health check timed out')), TIMEOUT_MS);
        }),
      ]);
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    } finally {
      clearTimeout(timer);
    }
  };
}
