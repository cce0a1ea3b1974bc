import request, { type Response } from 'supertest';

/**
 * A browser without JavaScript, over HTTP: keeps the server's cookies, follows its redirects, and
 * fills in the sign-in and consent pages as a person would, until the server sends the browser
 * away from itself (to the client) or answers a page that is neither. Quicker than Chromium for
 * protocol checks; the Chromium suites cover the pages themselves.
 */
export class FormBrowser {
  readonly agent;

  constructor(private readonly serverUrl: string) {
    this.agent = request.agent(serverUrl);
  }

  /** GET of a URL on the server (absolute or a path). */
  get(url: string): Promise<Response> {
    return this.agent.get(this.#path(url)).redirects(0);
  }

  /** POST of a form to a URL on the server. */
  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.agent.post(this.#path(url)).redirects(0).type('form').send(form);
  }

  /**
   * Follows the server's answers from response on: redirects within the server, the sign-in page
   * (with these credentials) and the consent page (allowed); returns where the server sent the
   * browser away, or the last page it answered.
   */
  async complete(response: Response, credentials: { username: string; password: string }): Promise<{ leftTo?: URL; page?: Response }> {
    let current = response;
    for (let step = 0; step < 12; step += 1) {
      if (current.status === 302 || current.status === 303) {
        const target = new URL(current.headers.location as string, this.serverUrl);
        if (target.origin !== new URL(this.serverUrl).origin) return { leftTo: target };
        current = await this.get(target.href);
        continue;
      }
      const action = /<form method="post" action="([^"]+\/(?:login|consent))"/.exec(current.text)?.[1];
      if (current.status !== 200 || action === undefined) return { page: current };
      const csrf = /name="csrf" value="([^"]+)"/.exec(current.text)![1]!;
      current = action.endsWith('/login')
        ? await this.post(action, { csrf, ...credentials })
        : await this.post(action, { csrf, decision: 'approve' });
    }
    throw new Error('the sign-in did not end within 12 steps');
  }

  #path(url: string): string {
    const parsed = new URL(url, this.serverUrl);
    return `${parsed.pathname}${parsed.search}`;
  }
}
