/** The admin API, called with the signed-in administrator's access token; errors keep the API's own words. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly error: string, description: string) {
    super(description);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/** onUnauthorized runs on a 401 (the token expired or was revoked): the console signs in again. */
export function createApi(baseUrl: string, token: () => string, onUnauthorized: () => Promise<never>): Api {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${token()}`, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401) return onUnauthorized();
    if (response.status === 204) return undefined as T;
    const parsed = (await response.json().catch(() => ({}))) as { error?: string; error_description?: string };
    if (!response.ok) {
      throw new ApiFailure(response.status, parsed.error ?? 'error', parsed.error_description ?? `the admin API answered ${response.status}`);
    }
    return parsed as T;
  }
  return {
    get: (path) => call('GET', path),
    send: (method, path, body) => call(method, path, body),
  };
}

/** The query string of the given parameters, leaving out empty ones. */
export function query(parameters: Record<string, string | undefined | null>): string {
  const present = Object.entries(parameters).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '');
  return present.length === 0 ? '' : `?${new URLSearchParams(present).toString()}`;
}
