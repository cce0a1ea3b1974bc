import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Apache httpd acting as an OAuth 2.0 resource-server gateway with mod_oauth2 (OpenIDC's
 * Apache module on liboauth2), in front of a tiny upstream. Apache runs in the foreground on a
 * loopback port, with its own temporary ServerRoot, pid file and logs, and is stopped by the test.
 */

export const APACHE_BIN = process.env.APACHE_BIN ?? '/usr/sbin/apache2';
export const APACHE_MODULES_DIR = process.env.APACHE_MODULES_DIR ?? '/usr/lib/apache2/modules';

/**
 * mod_oauth2 passes every claim of the validated token (JWT payload or introspection response) to
 * the upstream as a request header named OAuth2TargetPass's prefix + the claim name, with only
 * HTTP separators replaced by '-': the claim app.clientId arrives as OAUTH2_CLAIM_app.clientId.
 */
export const CLAIM_HEADER_PREFIX = 'OAUTH2_CLAIM_';
export const claimHeader = (claim: string) => `${CLAIM_HEADER_PREFIX}${claim}`;

export type GatewayMode =
  | {
    /** Offline JWT validation against the authorization server's jwks_uri. */
    kind: 'jwt';
    jwksUri: string;
    issuer: string;
    audience: string;
  }
  | {
    /** RFC 7662 introspection with the gateway's own client credentials (client_secret_basic). */
    kind: 'introspection';
    introspectionEndpoint: string;
    clientId: string;
    clientSecret: string;
    issuer: string;
    audience: string;
  };

export interface ApacheGateway {
  url: string;
  /** The generated httpd configuration, for failure messages. */
  config: string;
  /** Apache's error log so far (and its stderr). */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Installs Apache and mod_oauth2 when missing (scripts/apache-gateway.sh install); throws with the
 * script's output when they cannot be installed, so that a test depending on them fails.
 */
export function installApache(): string {
  try {
    return execFileSync('bash', [join(process.cwd(), 'scripts', 'apache-gateway.sh'), 'install'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 600_000,
    });
  } catch (error) {
    const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`Apache httpd with mod_oauth2 could not be installed (scripts/apache-gateway.sh install): ${message}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** A form-encoded option string of OAuth2TokenVerify. */
function options(values: Record<string, string>): string {
  return new URLSearchParams(values).toString();
}

/** Quotes an Apache directive argument. */
function quote(value: string): string {
  if (/["\\\n]/.test(value)) throw new Error(`unsupported character in Apache argument: ${value}`);
  return `"${value}"`;
}

export function apacheConfig(mode: GatewayMode, { dir, port, upstreamUrl }: { dir: string; port: number; upstreamUrl: string }): string {
  // Results of token verification are cached by liboauth2 for `expiry` seconds (300 by default),
  // keyed by the token, and a cache hit skips every check (exp included): a revoked token, or an
  // expired JWT seen while it was valid, would pass until then. 0 disables the cache.
  const verify = mode.kind === 'jwt'
    ? `OAuth2TokenVerify jwks_uri ${quote(mode.jwksUri)} ${quote(options({
      // exp is checked exactly ("now > exp"), without clock skew tolerance.
      'verify.exp': 'required',
      'verify.iat': 'required',
      // verify.iss is left at its default: with a jwks_uri liboauth2 has no expected issuer to
      // compare with (the issuer and the audience are checked by the Require rules below).
      expiry: '0',
    }))}`
    : `OAuth2TokenVerify introspect ${quote(mode.introspectionEndpoint)} ${quote(options({
      'introspect.auth': 'client_secret_basic',
      client_id: mode.clientId,
      client_secret: mode.clientSecret,
      expiry: '0',
    }))}`;
  const runAsUser = process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : [];
  const load = (name: string, file: string) => `LoadModule ${name} ${quote(join(APACHE_MODULES_DIR, file))}`;
  return [
    `ServerRoot ${quote(dir)}`,
    `DefaultRuntimeDir ${quote(join(dir, 'run'))}`,
    `PidFile ${quote(join(dir, 'run', 'httpd.pid'))}`,
    `ErrorLog ${quote(join(dir, 'logs', 'error.log'))}`,
    'LogLevel warn oauth2:info',
    'ServerName 127.0.0.1',
    `Listen 127.0.0.1:${port}`,
    ...runAsUser,
    load('mpm_event_module', 'mod_mpm_event.so'),
    load('authn_core_module', 'mod_authn_core.so'),
    load('authz_core_module', 'mod_authz_core.so'),
    load('headers_module', 'mod_headers.so'),
    load('proxy_module', 'mod_proxy.so'),
    load('proxy_http_module', 'mod_proxy_http.so'),
    load('oauth2_module', 'mod_oauth2.so'),
    'StartServers 1',
    'ServerLimit 1',
    'ThreadLimit 16',
    'ThreadsPerChild 16',
    'MinSpareThreads 1',
    'MaxSpareThreads 16',
    'MaxRequestWorkers 16',
    'KeepAlive Off',
    'Timeout 15',
    'ProxyTimeout 15',
    '',
    '<Location "/">',
    '  AuthType oauth2',
    `  ${verify}`,
    // REMOTE_USER comes from client_id: the introspection response of an opaque
    // client-credentials token has no sub, and mod_oauth2 refuses a token without its user claim.
    `  OAuth2TargetPass ${quote(options({ prefix: CLAIM_HEADER_PREFIX, headers: 'true', remote_user_claim: 'client_id' }))}`,
    '  <RequireAll>',
    `    Require oauth2_claim ${quote(`iss:${mode.issuer}`)}`,
    `    Require oauth2_claim ${quote(`aud:${mode.audience}`)}`,
    '  </RequireAll>',
    // A failed Require answers 401; mod_oauth2 leaves its Bearer challenge in this variable.
    '  Header always set WWW-Authenticate "%{OAUTH2_BEARER_SCOPE_ERROR}e" env=OAUTH2_BEARER_SCOPE_ERROR',
    `  ProxyPass ${quote(`${upstreamUrl}/`)}`,
    '</Location>',
    '',
  ].join('\n');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { socket.destroy(); resolve(false); });
    socket.connect(port, '127.0.0.1');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts Apache for the given mode in front of upstreamUrl; resolves once it accepts connections. */
export async function startApacheGateway(mode: GatewayMode, upstreamUrl: string): Promise<ApacheGateway> {
  if (!existsSync(APACHE_BIN)) throw new Error(`${APACHE_BIN} is missing: run scripts/apache-gateway.sh install`);
  let lastError: Error | undefined;
  // The port is chosen before Apache binds it: retry if another process took it meanwhile.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(mode, upstreamUrl, await freePort());
    } catch (error) {
      lastError = error as Error;
      if (!/could not bind|Address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function startOnce(mode: GatewayMode, upstreamUrl: string, port: number): Promise<ApacheGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'apache-gateway-'));
  // Apache's children run as nobody when started by root: let them reach the runtime files.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'run'), { mode: 0o755 });
  mkdirSync(join(dir, 'logs'), { mode: 0o755 });
  const config = apacheConfig(mode, { dir, port, upstreamUrl });
  const configFile = join(dir, 'httpd.conf');
  writeFileSync(configFile, config);

  const child: ChildProcess = spawn(APACHE_BIN, ['-DFOREGROUND', '-f', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => { output += chunk; });
  child.stderr!.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logs = () => {
    const errorLog = join(dir, 'logs', 'error.log');
    return `${output}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), 10_000); }),
      ]);
      clearTimeout(timer);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 15_000;
  while (!(await isListening(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const reason = child.exitCode !== null ? `exited with code ${child.exitCode}` : 'did not listen within 15 s';
      const message = `Apache ${reason} (port ${port}):\n${logs()}\n--- configuration ---\n${config}`;
      await stop();
      throw new Error(message);
    }
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${port}`, config, logs, stop };
}

export interface EchoUpstream {
  url: string;
  /** The headers of every request the upstream received, in order. */
  received: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** A tiny loopback HTTP server answering 200 with the request's method, URL and headers as JSON. */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: IncomingHttpHeaders[] = [];
  const server = createHttpServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ method: request.method, url: request.url, headers: request.headers }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
