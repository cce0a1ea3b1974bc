import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Browser tests: playwright-core driving Debian's Chromium (installed by scripts/chromium.sh when
 * missing), since Playwright's own browser downloads cannot reach the network here.
 */

export const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/**
 * The repository root. Tests run compiled, from dist/test/support/browser.js, so it is three levels
 * up from the running file (not two, as from the TypeScript source in test/support/).
 */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const SCREENSHOT_DIR = join(REPO_ROOT, 'docs', 'screenshots');

/**
 * Flags for a headless Chromium in a container without network access: no sandbox (the tests may
 * run as root, where Chromium refuses to start sandboxed), no GPU, and none of the background
 * traffic (component updates, sync, QUIC...) that otherwise floods the closed network with
 * refused connections. /dev/shm is often tiny in containers, hence --disable-dev-shm-usage.
 * playwright-core 1.65 passes most of these by default; they are listed here so that they hold
 * whatever its defaults become.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * Installs Chromium when missing (scripts/chromium.sh install) and returns the script's output;
 * throws with the script's output when it cannot be installed, so that a test depending on it fails.
 */
export function installChromium(): string {
  const script = join(REPO_ROOT, 'scripts', 'chromium.sh');
  try {
    return execFileSync('bash', [script, 'install'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    // execFileSync's message repeats stderr; say how the script ended, then its output once.
    const { status, signal, stdout, stderr, message } = error as {
      status?: number | null; signal?: string | null; stdout?: string; stderr?: string; message: string;
    };
    const ended = typeof status === 'number' ? `exit status ${status}` : signal ? `killed by ${signal}` : message;
    throw new Error(`Chromium could not be installed (${script} install, ${ended}):\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

let installed = false;

/**
 * Launches a headless Chromium (CHROMIUM_BIN), installing it first when missing (once per
 * process). The caller closes it (browser.close()), typically in afterAll.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!installed) {
    installChromium();
    installed = true;
  }
  return chromium.launch({
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}

export interface Viewport {
  width: number;
  height: number;
}

/**
 * A page in a fresh BrowserContext, so that cookies and storage are isolated per test. Closing the
 * browser closes it; to release it earlier, close page.context().
 */
export async function newPage(browser: Browser, viewport: Viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Writes a PNG of the page's viewport to docs/screenshots/<fileName>; returns its path. */
export async function screenshot(page: Page, fileName: string): Promise<string> {
  const path = join(SCREENSHOT_DIR, fileName);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, type: 'png' });
  return path;
}
