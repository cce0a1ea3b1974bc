import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Page } from 'playwright-core';

/**
 * A relying party's redirect target: a loopback HTTP server that records every URL the browser is
 * sent to (the authorization response, the post-logout redirect) and answers a small page.
 */
export class Callback {
  readonly hits: URL[] = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.hits.push(new URL(req.url ?? '/', this.url));
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><title>callback</title><p>back at the client</p>');
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** The last URL that reached the given path. */
  last(path: string): URL {
    const hit = [...this.hits].reverse().find((url) => url.pathname === path);
    if (!hit) throw new Error(`nothing reached ${path}; seen: ${this.hits.map(String).join(', ')}`);
    return hit;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** Fills and submits the sign-in form as a person would. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
}
