import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import type Router from '@koa/router';
import type { Context } from 'koa';

import { createRouter } from '../http/routing.js';
import { CONSOLE_PATH } from './client.js';
import { FAVICON_ICO, FAVICON_SVG } from './icon.js';

/** The console's page and stylesheet (console/ in the repository) and its compiled modules (dist/console/). */
const STATIC_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));
const MODULES_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

interface Asset {
  type: string;
  body: Buffer;
  /** Cache-Control, when not the console's no-cache. */
  cache?: string;
}

/** The icon seldom changes: a browser may keep it a day rather than ask on every page. */
const ICON_CACHE = 'public, max-age=86400';

/**
 * What every response of the console carries. Scripts only from here and no string ever becomes
 * markup or code (Trusted Types with no policy: innerHTML and friends throw), the admin API and the
 * token endpoint only on this origin, never framed, and no referrer: the callback's URL holds an
 * authorization code.
 */
const CONSOLE_HEADERS = {
  'Content-Security-Policy': [
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "form-action 'none'",
    "frame-ancestors 'none'", "base-uri 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
} as const;

/** Reads the console's files once: a missing build is a start-up error, not a 404 later. */
function loadAssets(): { page: Buffer; files: Map<string, Asset> } {
  const page = readFileSync(join(STATIC_DIR, 'index.html'));
  const files = new Map<string, Asset>([
    ['console.css', { type: 'text/css; charset=utf-8', body: readFileSync(join(STATIC_DIR, 'console.css')) }],
    ['favicon.svg', { type: 'image/svg+xml', body: FAVICON_SVG, cache: ICON_CACHE }],
    ['favicon.ico', { type: 'image/x-icon', body: FAVICON_ICO, cache: ICON_CACHE }],
  ]);
  if (!existsSync(MODULES_DIR)) throw new Error(`the admin console is not built (${MODULES_DIR} is missing): run npm run build`);
  for (const path of modulesUnder(MODULES_DIR)) {
    files.set(`app/${relative(MODULES_DIR, path).split(sep).join('/')}`, { type: 'text/javascript; charset=utf-8', body: readFileSync(path) });
  }
  return { page, files };
}

function modulesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return modulesUnder(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/**
 * The admin console: one HTML page (for /console/ and its sign-in callback), a stylesheet, an
 * icon and ES modules, all static. It has no endpoint of its own: what it shows and changes goes
 * through the admin API. The icon is also the server's /favicon.ico, which browsers ask for on
 * every page without a <link rel="icon"> (the sign-in pages, a bookmark, ...).
 */
export function consoleRoutes(): Router {
  const { page, files } = loadAssets();
  const router = createRouter();
  const send = (ctx: Context, type: string, body: Buffer, cache?: string) => {
    ctx.set(CONSOLE_HEADERS);
    if (cache) ctx.set('Cache-Control', cache);
    ctx.type = type;
    ctx.body = body;
  };
  router.get(CONSOLE_PATH, (ctx) => {
    ctx.set(CONSOLE_HEADERS);
    ctx.redirect(`${CONSOLE_PATH}/`);
  });
  for (const path of [`${CONSOLE_PATH}/`, `${CONSOLE_PATH}/callback`]) router.get(path, (ctx) => send(ctx, 'text/html; charset=utf-8', page));
  for (const [name, asset] of files) router.get(`${CONSOLE_PATH}/${name}`, (ctx) => send(ctx, asset.type, asset.body, asset.cache));
  const icon = files.get('favicon.ico')!;
  router.get('/favicon.ico', (ctx) => send(ctx, icon.type, icon.body, icon.cache));
  return router;
}
