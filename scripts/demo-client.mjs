/**
 * A sample relying party for the README's walk-through: a web app on http://127.0.0.1:8400 that
 * signs a person in at the authorization server (authorization code + PKCE, with openid-client)
 * and shows what it got back. Configured for config/example.json's demo-web-app client.
 *
 *   npm run demo:client       (ISSUER, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PORT override)
 *
 * Plain JavaScript, so that it runs without a build next to a running server.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import * as oidc from 'openid-client';

const issuer = process.env.ISSUER ?? 'http://localhost:3000';
const port = Number(process.env.DEMO_PORT ?? 8400);
const clientId = process.env.DEMO_CLIENT_ID ?? 'demo-web-app';
const clientSecret = process.env.DEMO_CLIENT_SECRET ?? 'demo-web-secret-change-me-0123456789';
const base = `http://127.0.0.1:${port}`;

const escape = (text) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
const page = (res, body, status = 200) => {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'", 'Cache-Control': 'no-store' });
  res.end(`<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Demo web app</title><body>${body}</body></html>`);
};

/** The pending sign-ins of this demo, by state (a real app keeps them in its session). */
const pending = new Map();

async function main() {
  const options = issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
  // Discovered at the first sign-in, so that the demo may start before the server.
  let discovered;
  const discover = async () => (discovered ??= await oidc.discovery(new URL(issuer), clientId, clientSecret, undefined, options));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    void (async () => {
      const configuration = url.pathname === '/' ? undefined : await discover();
      if (url.pathname === '/') {
        page(res, `<h1>Demo web app</h1><p><a href="/login">Sign in with ${escape(issuer)}</a></p>`);
      } else if (url.pathname === '/login') {
        const state = randomBytes(16).toString('base64url');
        const verifier = oidc.randomPKCECodeVerifier();
        pending.set(state, verifier);
        const target = oidc.buildAuthorizationUrl(configuration, {
          redirect_uri: `${base}/callback`, scope: 'openid profile email groups', state,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(303, { Location: target.href }).end();
      } else if (url.pathname === '/callback') {
        const state = url.searchParams.get('state') ?? '';
        const verifier = pending.get(state);
        pending.delete(state);
        if (!verifier) return page(res, '<p>Unknown or used sign-in; <a href="/login">start again</a>.</p>', 400);
        const tokens = await oidc.authorizationCodeGrant(configuration, url, { pkceCodeVerifier: verifier, expectedState: state });
        const claims = tokens.claims();
        const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims?.sub ?? oidc.skipSubjectCheck);
        const logout = oidc.buildEndSessionUrl(configuration, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: `${base}/` });
        page(res, [
          `<h1>Signed in as ${escape(String(claims?.preferred_username ?? claims?.sub))}</h1>`,
          `<h2>ID token claims</h2><pre>${escape(JSON.stringify(claims, null, 2))}</pre>`,
          `<h2>Userinfo</h2><pre>${escape(JSON.stringify(userinfo, null, 2))}</pre>`,
          `<h2>Token response</h2><pre>${escape(JSON.stringify({ ...tokens, id_token: `${tokens.id_token?.slice(0, 24)}…` }, null, 2))}</pre>`,
          `<p><a href="${escape(logout.href)}">Sign out</a></p>`,
        ].join(''));
      } else {
        page(res, '<p>Not found</p>', 404);
      }
    })().catch((error) => page(res, `<p>Error: ${escape(String(error.message))}</p>`, 500));
  });
  server.listen(port, '127.0.0.1', () => console.log(`demo web app on ${base} (issuer ${issuer})`));
}

main().catch((error) => {
  console.error(`demo client: ${error.message}`);
  process.exit(1);
});
