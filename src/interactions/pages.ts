import { readFileSync } from 'node:fs';

import Mustache from 'mustache';

/**
 * The pages people see when they sign in: mustache templates in views/, each rendered inside
 * views/layout.html, all styled by one stylesheet (views/pages.css) with the accent colour filled
 * in. No script and no inline style anywhere: the pages are served under a CSP without either.
 */

export interface Branding {
  productName: string;
  logoUrl?: string | undefined;
  /** #rrggbb */
  accentColor: string;
  /** Where the stylesheet is served, without a trailing slash (e.g. '/assets' for /assets/pages.css). */
  assetsPath: string;
}

export interface ClientDisplay {
  name: string;
  logoUri?: string | undefined;
  clientUri?: string | undefined;
  policyUri?: string | undefined;
  tosUri?: string | undefined;
}

export interface SignInPage {
  action: string;
  csrfToken: string;
  client: ClientDisplay;
  username?: string | undefined;
  error?: string | undefined;
  loginHint?: string | undefined;
}

export interface ConsentPage {
  action: string;
  csrfToken: string;
  client: ClientDisplay;
  userName: string;
  scopes: { name: string; description: string }[];
  resources: { identifier: string; description?: string | undefined }[];
  /** Claims asked for one by one (the claims parameter), beyond what the scopes release. */
  claims?: string[];
  offlineAccess: boolean;
}

export interface LogoutPage {
  /** oidc-provider's own form element (trusted HTML it generated, with its xsrf input), rendered unescaped */
  formHtml: string;
  /** the id of that form: 'op.logoutForm' */
  formId: string;
  client?: ClientDisplay | undefined;
}

export interface LoggedOutPage {
  client?: ClientDisplay | undefined;
}

export interface ErrorPage {
  error: string;
  errorDescription?: string | undefined;
}

export interface Pages {
  signIn(page: SignInPage): string;
  consent(page: ConsentPage): string;
  logout(page: LogoutPage): string;
  loggedOut(page: LoggedOutPage): string;
  error(page: ErrorPage): string;
  /** the stylesheet with the accent colour filled in */
  readonly stylesheet: string;
}

const VIEWS = new URL('../../../views/', import.meta.url);
const TEMPLATE_FILES = {
  layout: 'layout.html',
  signIn: 'sign-in.html',
  consent: 'consent.html',
  logout: 'logout.html',
  loggedOut: 'logged-out.html',
  error: 'error.html',
  stylesheet: 'pages.css',
} as const;
type TemplateName = keyof typeof TEMPLATE_FILES;
type PageName = Exclude<TemplateName, 'layout' | 'stylesheet'>;

const TAGS: [string, string] = ['{{', '}}'];
// Our own writer, tags and escaping: nothing another module sets on the shared Mustache object
// (its tags, its escape function, its template cache) changes what these pages render.
const writer = new Mustache.Writer();
let templates: Record<TemplateName, string> | undefined;

/** Reads the templates once and parses each once (the writer caches the parse). */
function loadTemplates(): Record<TemplateName, string> {
  if (!templates) {
    const read = {} as Record<TemplateName, string>;
    for (const name of Object.keys(TEMPLATE_FILES) as TemplateName[]) {
      read[name] = readFileSync(new URL(TEMPLATE_FILES[name], VIEWS), 'utf8');
      writer.parse(read[name], TAGS);
    }
    templates = read;
  }
  return templates;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;',
};
const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"'`=]/g, (char) => HTML_ESCAPES[char]!);
const verbatim = (value: unknown): string => String(value);

// ---------------------------------------------------------------------------------------------
// Links

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A URL we may put in an href or src: an absolute https: URL, or http: on the loopback host
 * (localhost, 127.0.0.1, [::1]), without user name or password; anything else (javascript:,
 * data:, relative, unparseable) is dropped. Returns the URL as the URL parser normalises it.
 */
export function safeLink(url: string | undefined): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  if (parsed.protocol === 'https:') return parsed.href;
  if (parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname)) return parsed.href;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Colours (WCAG 2.x relative luminance and contrast ratio)

type Rgb = [number, number, number];
const HEX_COLOR = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i;
const BLACK = '#000000';
const WHITE = '#ffffff';
/** The card's colour in light and dark mode (pages.css takes them from here). */
const SURFACE = { light: '#ffffff', dark: '#1a1f26' } as const;

function parseColor(color: string): Rgb {
  const match = HEX_COLOR.exec(color);
  if (!match) throw new Error(`not a #rrggbb colour: ${JSON.stringify(color)}`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

const formatColor = (rgb: Rgb): string => `#${rgb.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;

function relativeLuminance(color: string): number {
  const [r, g, b] = parseColor(color).map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The WCAG contrast ratio of two #rrggbb colours, from 1 (same) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** `from` moved a `fraction` of the way towards `to`. */
function mix(from: string, to: string, fraction: number): string {
  const a = parseColor(from);
  const b = parseColor(to);
  return formatColor(a.map((channel, i) => Math.round(channel + (b[i]! - channel) * fraction)) as Rgb);
}

/** Black or white, whichever contrasts more with `background`. */
const textOn = (background: string): string => (contrastRatio(background, BLACK) >= contrastRatio(background, WHITE) ? BLACK : WHITE);

/** `color`, darkened (on a light surface) or lightened (on a dark one) until it contrasts `minimum` with the surface. */
function readableOn(color: string, surface: string, minimum: number): string {
  const towards = textOn(surface);
  for (let step = 0; step <= 20; step += 1) {
    const candidate = mix(color, towards, step / 20);
    if (contrastRatio(candidate, surface) >= minimum) return candidate;
  }
  return towards;
}

/**
 * The primary button's colour under the pointer: moved away from its text colour, which only
 * raises the contrast; where that barely shows (black under white text, a light yellow under
 * black), moved towards the text colour instead, as long as the text still contrasts 4.5:1.
 */
function hoverShade(accent: string, onAccent: string): string {
  const away = mix(accent, onAccent === WHITE ? BLACK : WHITE, 0.15);
  if (contrastRatio(away, accent) >= 1.1) return away;
  const towards = mix(accent, onAccent, 0.15);
  return contrastRatio(towards, onAccent) >= 4.5 ? towards : away;
}

function stylesheetColors(accent: string): Record<string, string> {
  const onAccent = textOn(accent);
  return {
    accent,
    onAccent,
    accentHover: hoverShade(accent, onAccent),
    accentText: readableOn(accent, SURFACE.light, 4.5),
    accentTextDark: readableOn(accent, SURFACE.dark, 4.5),
    surface: SURFACE.light,
    surfaceDark: SURFACE.dark,
  };
}

// ---------------------------------------------------------------------------------------------
// Pages

interface ClientView {
  clientName: string;
  clientLogo: string | null;
  clientUri: string | null;
  policyUri: string | null;
  tosUri: string | null;
  hasClientLinks: boolean;
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
const optionalText = (value: unknown): string | null => (value === undefined || value === null || String(value) === '' ? null : String(value));

function clientView(client: ClientDisplay | undefined): ClientView {
  const clientUri = safeLink(client?.clientUri) ?? null;
  const policyUri = safeLink(client?.policyUri) ?? null;
  const tosUri = safeLink(client?.tosUri) ?? null;
  return {
    clientName: text(client?.name),
    clientLogo: safeLink(client?.logoUri) ?? null,
    clientUri,
    policyUri,
    tosUri,
    hasClientLinks: clientUri !== null || policyUri !== null || tosUri !== null,
  };
}

export function createPages(branding: Branding): Pages {
  const accent = typeof branding.accentColor === 'string' ? branding.accentColor : '';
  if (!HEX_COLOR.test(accent)) {
    throw new Error(`branding.accentColor must be a colour written #rrggbb, not ${JSON.stringify(branding.accentColor)}`);
  }
  const productName = text(branding.productName).trim();
  if (productName === '') throw new Error('branding.productName must not be empty');

  const source = loadTemplates();
  const brand = {
    productName,
    logoUrl: safeLink(branding.logoUrl) ?? null,
    assetsPath: text(branding.assetsPath).replace(/\/+$/, ''),
  };
  const stylesheet = writer.render(source.stylesheet, stylesheetColors(accent.toLowerCase()), undefined, { tags: TAGS, escape: verbatim });

  const render = (page: PageName, title: string, view: object): string =>
    writer.render(source.layout, { ...brand, ...view, title: `${title} – ${productName}` }, { content: source[page] }, { tags: TAGS, escape: escapeHtml });

  return {
    stylesheet,

    signIn(page) {
      const error = optionalText(page.error);
      const username = text(page.username ?? page.loginHint);
      const focusPassword = error !== null || username !== '';
      return render('signIn', error === null ? 'Sign in' : 'Error: Sign in', {
        ...clientView(page.client),
        action: text(page.action),
        csrfToken: text(page.csrfToken),
        username,
        hasError: error !== null,
        error,
        focusUsername: !focusPassword,
        focusPassword,
      });
    },

    consent(page) {
      const scopes = (page.scopes ?? []).map((scope) => ({ name: text(scope.name), description: optionalText(scope.description) }));
      const resources = (page.resources ?? []).map((resource) => ({ identifier: text(resource.identifier), description: optionalText(resource.description) }));
      return render('consent', 'Allow access to your account', {
        ...clientView(page.client),
        action: text(page.action),
        csrfToken: text(page.csrfToken),
        userName: text(page.userName),
        hasScopes: scopes.length > 0,
        scopes,
        hasResources: resources.length > 0,
        resources,
        hasClaims: (page.claims ?? []).length > 0,
        claims: (page.claims ?? []).map(text),
        offlineAccess: page.offlineAccess === true,
      });
    },

    logout(page) {
      return render('logout', 'Sign out', {
        ...clientView(page.client),
        hasClient: page.client != null,
        formHtml: text(page.formHtml),
        formId: text(page.formId),
      });
    },

    loggedOut(page) {
      return render('loggedOut', 'Signed out', { ...clientView(page.client), hasClient: page.client != null });
    },

    error(page) {
      return render('error', 'Something went wrong', {
        error: text(page.error) || 'server_error',
        errorDescription: optionalText(page.errorDescription),
      });
    },
  };
}
