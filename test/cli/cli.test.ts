import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';

import { runCli } from '../../src/cli/run.js';
import { sqliteBackend } from '../support/backends.js';
import { basicAuth, startTestServer, type TestServer } from '../support/test-server.js';

const ADMIN_TOKEN = 'cli-admin-token-0123456789';
const CLI = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const CONFIG = {
  resourceServers: [{ resource: 'https://api.example.com', scopes: ['orders:read', 'orders:write'], default: true }],
  adminTokens: [ADMIN_TOKEN],
};

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface CreatedClient {
  client_id: string;
  client_secret: string;
  registration_access_token: string;
  registration_client_uri: string;
  [member: string]: unknown;
}

/** A port nothing listens on (just released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const listener = createServer().listen(0, '127.0.0.1', () => {
      const { port } = listener.address() as { port: number };
      listener.close(() => resolve(port));
    });
  });
}

describe('admin CLI (end to end: the compiled CLI as a child process against a real server)', () => {
  let server: TestServer;
  let workDir: string;

  /** Runs dist/src/cli/main.js with only PATH, ADMIN_URL and ADMIN_TOKEN in its environment (plus `env`). */
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
      // A comma-separated ADMIN_TOKEN: the CLI must use the first one (the second is not configured).
      env: { PATH: process.env.PATH ?? '', ADMIN_URL: server.url, ADMIN_TOKEN: `${ADMIN_TOKEN},not-configured-token-0123456789`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

  /** Runs the CLI and expects exit 0 and nothing on stderr. */
  const ok = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
    const run = await cli(args, env);
    expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
    return run.stdout;
  };
  const okJson = async <T>(args: string[], env: Record<string, string> = {}): Promise<T> => JSON.parse(await ok([...args, '--json'], env)) as T;

  const admin = (path: string) => request(server.url).get(`/admin${path}`).set('Authorization', `Bearer ${ADMIN_TOKEN}`);
  const tokenStatus = async (clientId: string, secret: string): Promise<number> => (await request(server.url).post('/token')
    .set('Authorization', basicAuth(clientId, secret)).type('form').send({ grant_type: 'client_credentials', scope: 'orders:read' })).status;

  /** A client created through the CLI (--json), for the tests that need one of their own. */
  const createClient = (name: string, extra: string[] = []) => okJson<CreatedClient>([
    'clients', 'create', '--name', name, '--grant-types', 'client_credentials', '--scope', 'orders:read', ...extra,
  ]);

  beforeAll(async () => {
    server = await startTestServer(sqliteBackend, { config: CONFIG });
    workDir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  });
  afterAll(async () => {
    await server.destroy();
    rmSync(workDir, { recursive: true, force: true });
  });

  describe('clients create', () => {
    test('prints the new client\'s id and credentials as a table', async () => {
      const stdout = await ok(['clients', 'create', '--name', 'CLI table app', '--grant-types', 'client_credentials', '--scope', 'orders:read']);
      const clientId = /^client_id\s+(\S+)$/m.exec(stdout)?.[1];
      const secret = /^client_secret\s+(\S+)$/m.exec(stdout)?.[1];
      expect(clientId).toBeDefined();
      expect(stdout).toMatch(/^registration_access_token\s+\S+$/m);
      expect(stdout).toMatch(new RegExp(`^registration_client_uri\\s+${server.url}/\\S+$`, 'm'));
      expect(stdout).toContain('not shown again');
      // What the table says is what the server holds, and the secret printed works.
      const stored = await admin(`/clients/${clientId}`).expect(200);
      expect(stored.body).toEqual(expect.objectContaining({ client_name: 'CLI table app', grant_types: ['client_credentials'], scope: 'orders:read' }));
      expect(await tokenStatus(clientId!, secret!)).toBe(200);
    });

    test('--json prints the API response; the flags override --metadata, --profile and --client-id are sent', async () => {
      const profileFile = join(workDir, 'profile.json');
      writeFileSync(profileFile, JSON.stringify({ tier: 'gold' }));
      const created = await okJson<CreatedClient>([
        'clients', 'create', '--metadata', JSON.stringify({ client_name: 'from metadata', software_id: 'cli-software', grant_types: ['authorization_code'] }),
        '--name', 'from flag', '--grant-types', 'client_credentials', '--scope', 'orders:read orders:write',
        '--client-id', 'cli-chosen-id', '--profile', `@${profileFile}`,
      ]);
      expect(created).toEqual(expect.objectContaining({
        client_id: 'cli-chosen-id',
        client_secret: expect.any(String),
        registration_access_token: expect.any(String),
        client_name: 'from flag',
        software_id: 'cli-software',
        grant_types: ['client_credentials'],
        scope: 'orders:read orders:write',
        profile: { tier: 'gold' },
      }));
      expect(await tokenStatus(created.client_id, created.client_secret)).toBe(200);
    });

    test('a refusal of the API is printed as error: <error>: <error_description>, exit 1', async () => {
      const run = await cli(['clients', 'create', '--grant-types', 'client_credentials', '--scope', 'not-a-scope']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: invalid_\w+: \S.*\n$/);
    });
  });

  describe('clients list', () => {
    let first: CreatedClient;
    let second: CreatedClient;
    beforeAll(async () => {
      first = await createClient('List one', ['--metadata', '{"software_id":"list-software"}']);
      second = await createClient('List two', ['--metadata', '{"software_id":"list-software"}']);
    });

    test('a table of client_id, client_name, grant_types, scope and creation time, without secrets', async () => {
      const stdout = await ok(['clients', 'list', '--limit', '200']);
      const [header, ...rows] = stdout.trimEnd().split('\n');
      expect(header!.split(/\s+/)).toEqual(['CLIENT_ID', 'CLIENT_NAME', 'GRANT_TYPES', 'SCOPE', 'CREATED']);
      const row = rows.find((line) => line.startsWith(`${first.client_id} `));
      expect(row).toMatch(/List one\s+client_credentials\s+orders:read\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      // Columns are aligned: every row's CLIENT_NAME starts where the header's does.
      const nameColumn = header!.indexOf('CLIENT_NAME');
      expect(row!.slice(nameColumn).startsWith('List one')).toBe(true);
      expect(stdout).not.toContain(first.client_secret);
    });

    test('--name and --software-id filter', async () => {
      const byName = await okJson<{ clients: { client_id: string }[] }>(['clients', 'list', '--name', 'List two']);
      expect(byName.clients.map((client) => client.client_id)).toEqual([second.client_id]);
      const bySoftware = await okJson<{ clients: { client_id: string }[] }>(['clients', 'list', '--software-id', 'list-software']);
      expect(bySoftware.clients.map((client) => client.client_id)).toEqual([first.client_id, second.client_id]);
    });

    test('--limit 1 pages with next_cursor; --cursor continues; the table prints the cursor', async () => {
      const page1 = await okJson<{ clients: { client_id: string }[]; next_cursor: string | null }>(['clients', 'list', '--software-id', 'list-software', '--limit', '1']);
      expect(page1.clients.map((client) => client.client_id)).toEqual([first.client_id]);
      expect(typeof page1.next_cursor).toBe('string');
      const page2 = await okJson<{ clients: { client_id: string }[]; next_cursor: string | null }>([
        'clients', 'list', '--software-id', 'list-software', '--limit', '1', '--cursor', page1.next_cursor!,
      ]);
      expect(page2).toEqual({ clients: [expect.objectContaining({ client_id: second.client_id })], next_cursor: null });
      const table = await ok(['clients', 'list', '--software-id', 'list-software', '--limit', '1']);
      expect(table).toContain(`--cursor ${page1.next_cursor}`);
    });

    test('--all follows the cursors to the end', async () => {
      const all = await okJson<{ clients: { client_id: string }[]; next_cursor: string | null }>(['clients', 'list', '--limit', '1', '--all']);
      const ids = all.clients.map((client) => client.client_id);
      expect(ids).toEqual(expect.arrayContaining([first.client_id, second.client_id, 'cli-chosen-id']));
      expect(new Set(ids).size).toBe(ids.length);
      expect(all.next_cursor).toBeNull();
      const everyOne = (await admin('/clients?limit=200').expect(200)).body.clients as unknown[];
      expect(ids).toHaveLength(everyOne.length);
    });
  });

  describe('clients show, update, delete', () => {
    let client: CreatedClient;
    beforeAll(async () => {
      client = await createClient('Before update', ['--metadata', '{"software_id":"show-software","client_uri":"https://app.example.com"}']);
    });

    test('show prints the metadata, never the secret', async () => {
      const stdout = await ok(['clients', 'show', client.client_id]);
      expect(stdout).toMatch(new RegExp(`^client_id\\s+${client.client_id}$`, 'm'));
      expect(stdout).toMatch(/^client_name\s+Before update$/m);
      expect(stdout).toMatch(/^client_id_issued_at\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
      expect(stdout).toMatch(/^client_secret_expires_at\s+never$/m);
      expect(stdout).not.toContain(client.client_secret);
      expect(stdout).not.toContain(client.registration_access_token);
      const json = await okJson<Record<string, unknown>>(['clients', 'show', client.client_id]);
      expect(json).toEqual((await admin(`/clients/${client.client_id}`).expect(200)).body);
    });

    test('update sends a merge patch: the given members change, the others stay; null removes one', async () => {
      const stdout = await ok(['clients', 'update', client.client_id, '--name', 'After update', '--metadata', '{"client_uri":null}']);
      expect(stdout).toMatch(/^client_name\s+After update$/m);
      const stored = (await admin(`/clients/${client.client_id}`).expect(200)).body as Record<string, unknown>;
      expect(stored).toEqual(expect.objectContaining({ client_name: 'After update', software_id: 'show-software', scope: 'orders:read' }));
      expect(stored).not.toHaveProperty('client_uri');
      // The secret stays.
      expect(await tokenStatus(client.client_id, client.client_secret)).toBe(200);
    });

    test('update --replace replaces the whole registration (PUT)', async () => {
      const replaced = await okJson<Record<string, unknown>>([
        'clients', 'update', client.client_id, '--replace', '--name', 'Replaced', '--grant-types', 'client_credentials', '--scope', 'orders:write',
      ]);
      expect(replaced).toEqual(expect.objectContaining({ client_id: client.client_id, client_name: 'Replaced', scope: 'orders:write' }));
      expect(replaced).not.toHaveProperty('software_id');
    });

    test('update without anything to change is a usage error (exit 2), nothing sent', async () => {
      const run = await cli(['clients', 'update', client.client_id]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('nothing to change');
      expect((await admin(`/clients/${client.client_id}`).expect(200)).body.client_name).toBe('Replaced');
    });

    test('delete, then show fails with not_found (exit 1)', async () => {
      const doomed = await createClient('Doomed');
      const deleted = await ok(['clients', 'delete', doomed.client_id]);
      expect(deleted).toContain(`Deleted client ${doomed.client_id}`);
      await admin(`/clients/${doomed.client_id}`).expect(404);
      const run = await cli(['clients', 'show', doomed.client_id]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe('error: not_found: no such client\n');
    });
  });

  describe('credentials', () => {
    test('rotate-secret prints a new secret that works; the old one no longer does', async () => {
      const client = await createClient('Rotated');
      expect(await tokenStatus(client.client_id, client.client_secret)).toBe(200);
      const stdout = await ok(['clients', 'rotate-secret', client.client_id]);
      const secret = /^client_secret\s+(\S+)$/m.exec(stdout)?.[1];
      expect(secret).toBeDefined();
      expect(secret).not.toBe(client.client_secret);
      expect(await tokenStatus(client.client_id, secret!)).toBe(200);
      expect(await tokenStatus(client.client_id, client.client_secret)).toBe(401);
    });

    test('rotate-secret --grace-period keeps the old secret working', async () => {
      const client = await createClient('Rotated with grace');
      const rotated = await okJson<{ client_id: string; client_secret: string }>(['clients', 'rotate-secret', client.client_id, '--grace-period', '600']);
      expect(rotated.client_id).toBe(client.client_id);
      expect(await tokenStatus(client.client_id, rotated.client_secret)).toBe(200);
      expect(await tokenStatus(client.client_id, client.client_secret)).toBe(200);
    });

    test('reissue-registration-token prints a new token for RFC 7592; the old one stops working', async () => {
      const client = await createClient('Reissued');
      const reissued = await okJson<{ client_id: string; registration_access_token: string; registration_client_uri: string }>([
        'clients', 'reissue-registration-token', client.client_id,
      ]);
      expect(reissued.registration_client_uri).toBe(client.registration_client_uri);
      expect(reissued.registration_access_token).not.toBe(client.registration_access_token);
      const path = new URL(reissued.registration_client_uri).pathname;
      await request(server.url).get(path).set('Authorization', `Bearer ${reissued.registration_access_token}`).expect(200);
      await request(server.url).get(path).set('Authorization', `Bearer ${client.registration_access_token}`).expect(401);
      const table = await ok(['clients', 'reissue-registration-token', client.client_id]);
      expect(table).toMatch(/^registration_access_token\s+\S+$/m);
    });
  });

  describe('initial access tokens', () => {
    test('create, list, revoke', async () => {
      const created = await okJson<{ id: string; initial_access_token: string; expires_at: number | null }>([
        'iat', 'create', '--expires-in', '3600', '--max-uses', '2', '--policies', 'default',
      ]);
      expect(created.expires_at).toBeGreaterThan(Date.now() / 1000);
      // It registers a client.
      await request(server.url).post('/reg').set('Authorization', `Bearer ${created.initial_access_token}`)
        .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(201);

      const listed = await ok(['iat', 'list']);
      expect(listed.split('\n')[0]!.split(/\s+/)).toEqual(['ID', 'POLICIES', 'USES', 'EXPIRES', 'CREATED']);
      expect(listed).toMatch(new RegExp(`^${created.id}\\s+default\\s+1/2\\s+\\d{4}-`, 'm'));
      expect(listed).not.toContain(created.initial_access_token);

      expect(await ok(['iat', 'revoke', created.id])).toContain(`Revoked initial access token ${created.id}`);
      const after = await okJson<{ initial_access_tokens: { id: string }[] }>(['iat', 'list']);
      expect(after.initial_access_tokens.map((token) => token.id)).not.toContain(created.id);
      await request(server.url).post('/reg').set('Authorization', `Bearer ${created.initial_access_token}`)
        .send({ grant_types: ['client_credentials'], scope: 'orders:read' }).expect(401);

      const again = await cli(['iat', 'revoke', created.id]);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe('error: not_found: no such initial access token\n');
    });

    test('the table shows the token once', async () => {
      const stdout = await ok(['iat', 'create']);
      expect(stdout).toMatch(/^initial_access_token\s+\S{20,}$/m);
      expect(stdout).toMatch(/^expires_at\s+never$/m);
    });
  });

  describe('audit', () => {
    test('shows the client.create event of a client created through the CLI', async () => {
      const client = await createClient('Audited');
      const stdout = await ok(['audit', '--client-id', client.client_id]);
      const [header, ...rows] = stdout.trimEnd().split('\n');
      expect(header!.split(/\s+/)).toEqual(['TIME', 'ACTION', 'OUTCOME', 'ACTOR', 'CLIENT_ID', 'REQUEST_ID', 'DETAIL']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(new RegExp(`^\\d{4}-\\S+Z\\s+client\\.create\\s+success\\s+admin-token#1\\s+${client.client_id}\\s+\\S+`));

      await ok(['clients', 'delete', client.client_id]);
      const events = await okJson<{ events: { action: string; client_id: string }[]; next_cursor: string | null }>([
        'audit', '--client-id', client.client_id, '--action', 'client.delete',
      ]);
      expect(events.events).toEqual([expect.objectContaining({ action: 'client.delete', client_id: client.client_id })]);
    });

    test('--limit pages with a cursor', async () => {
      const page = await okJson<{ events: { id: string }[]; next_cursor: string | null }>(['audit', '--limit', '1']);
      expect(page.events).toHaveLength(1);
      expect(typeof page.next_cursor).toBe('string');
      const next = await okJson<{ events: { id: string }[] }>(['audit', '--limit', '1', '--cursor', page.next_cursor!]);
      expect(next.events[0]!.id).not.toBe(page.events[0]!.id);
    });
  });

  describe('users', () => {
    test('create (password from an environment variable), list, get, update, disable, enable, set-password, delete', async () => {
      const created = await okJson<{ id: string; username: string; has_password: boolean }>(
        ['users', 'create', 'grace', '--email', 'grace@example.com', '--groups', 'navy,math', '--password-env', 'NEW_PASSWORD'],
        { NEW_PASSWORD: 'a long and uncommon passphrase' },
      );
      expect(created).toEqual(expect.objectContaining({ username: 'grace', has_password: true }));
      const listed = await ok(['users', 'list', '--group', 'navy']);
      expect(listed.split('\n')[0]!.split(/\s+/)).toEqual(['ID', 'USERNAME', 'EMAIL', 'GROUPS', 'DISABLED']);
      expect(listed).toContain('grace@example.com');
      expect(await ok(['users', 'get', created.id])).toMatch(/^username\s+grace$/m);
      expect((await okJson<{ name: string }>(['users', 'update', created.id, '--name', 'Grace Hopper'])).name).toBe('Grace Hopper');
      const contact = await okJson<Record<string, unknown>>([
        'users', 'update', created.id, '--phone-number', '+15550100', '--phone-number-verified', '--address', '{"locality":"Arlington","country":"US"}',
        '--nickname', 'Amazing Grace', '--birthdate', '1906-12-09', '--profile-url', 'https://people.example.com/grace', '--locale', 'en-US',
      ]);
      expect(contact).toEqual(expect.objectContaining({
        phone_number: '+15550100', phone_number_verified: true, address: { locality: 'Arlington', country: 'US' },
        nickname: 'Amazing Grace', birthdate: '1906-12-09', profile_url: 'https://people.example.com/grace', locale: 'en-US',
      }));
      expect((await okJson<{ disabled: boolean }>(['users', 'disable', created.id])).disabled).toBe(true);
      expect((await okJson<{ disabled: boolean }>(['users', 'enable', created.id])).disabled).toBe(false);
      expect(await ok(['users', 'set-password', created.id, '--password-env', 'PW'], { PW: 'another long passphrase' })).toContain('Password set');
      const unset = await cli(['users', 'set-password', created.id, '--password-env', 'NOT_SET']);
      expect(unset.code).toBe(2);
      expect(unset.stderr).toContain('NOT_SET');
      const weak = await cli(['users', 'set-password', created.id, '--password-env', 'PW'], { PW: 'password' });
      expect(weak.code).toBe(1);
      expect(weak.stderr).toMatch(/^error: invalid_password: /);
      expect(await ok(['users', 'delete', created.id])).toContain('Deleted');
      expect((await cli(['users', 'get', created.id])).code).toBe(1);
    });
  });

  test('keys list shows the active signing key', async () => {
    const stdout = await ok(['keys', 'list']);
    expect(stdout.split('\n')[0]!.split(/\s+/)).toEqual(['KID', 'ALG', 'GENERATION', 'STATE', 'PUBLISHED', 'ACTIVATES', 'RETIRES', 'REMOVED']);
    expect(stdout).toMatch(/^\S+\s+RS256\s+\d+\s+active\s/m);
  });

  describe('errors', () => {
    test('a wrong token: invalid_token, exit 1, the token not echoed', async () => {
      const run = await cli(['clients', 'list', '--token', 'wrong-admin-token-0123456789']);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: invalid_token: .+\n$/);
      expect(run.stderr).not.toContain('wrong-admin-token');
    });

    test('no token at all is a usage error (exit 2)', async () => {
      const run = await cli(['clients', 'list'], { ADMIN_TOKEN: '' });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('no admin token');
    });

    test('an unreachable server: a clear message naming the URL, exit 1', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const run = await cli(['clients', 'list'], { ADMIN_URL: url });
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`error: cannot reach ${url}: ECONNREFUSED\n`);
    });

    test('--url overrides ADMIN_URL', async () => {
      const run = await cli(['clients', 'list', '--url', server.url], { ADMIN_URL: `http://127.0.0.1:${await closedPort()}` });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('CLIENT_ID');
    });

    test('an unknown command: exit 2 with the usage', async () => {
      const run = await cli(['frobnicate']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('error: unknown command "frobnicate"');
      expect(run.stderr).toContain('Usage: npm run cli -- <command>');
    });

    test('an unknown option or a missing argument: exit 2 naming it', async () => {
      const unknown = await cli(['clients', 'list', '--colour', 'red']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown option --colour');
      const missing = await cli(['clients', 'show']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('missing <client_id>');
      const notANumber = await cli(['clients', 'rotate-secret', 'some-client', '--grace-period', 'soon']);
      expect(notANumber.code).toBe(2);
      expect(notANumber.stderr).toContain('--grace-period must be an integer');
    });

    test('no command: the usage on stderr, exit 2', async () => {
      const run = await cli([]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Usage: npm run cli -- <command>');
    });
  });

  describe('help', () => {
    test('help, --help and -h print the usage with every command, exit 0', async () => {
      for (const args of [['help'], ['--help'], ['-h']]) {
        const stdout = await ok(args, { ADMIN_TOKEN: '' });
        for (const command of [
          'clients create', 'clients list', 'clients show <client_id>', 'clients update <client_id>', 'clients delete <client_id>',
          'clients rotate-secret <client_id>', 'clients reissue-registration-token <client_id>',
          'iat create', 'iat list', 'iat revoke <id>', 'audit', 'keys list', 'keys rotate',
          '--url URL', '--token TOKEN', '--json', 'ADMIN_URL', 'ADMIN_TOKEN', 'Exit status',
        ]) expect(stdout).toContain(command);
      }
    });

    test('a command\'s help lists its options', async () => {
      const viaHelp = await ok(['help', 'clients', 'create']);
      expect(await ok(['clients', 'create', '--help'])).toBe(viaHelp);
      for (const option of ['--name', '--grant-types', '--scope', '--auth-method', '--redirect-uris', '--client-id', '--profile', '--metadata']) {
        expect(viaHelp).toContain(option);
      }
      expect(await ok(['help', 'clients', 'update'])).toContain('--replace');
      expect(await ok(['help', 'iat', 'create'])).toContain('--max-uses');
      expect(await ok(['audit', '--help'])).toContain('--action');
    });
  });
});

/**
 * Odd answers a real HTTP peer can give (a redirect, an HTML page, hostile data): a small local
 * server gives them, over a socket, to the real fetch.
 */
describe('runCli (in process) against a misbehaving HTTP peer', () => {
  let peer: Server;
  let peerUrl: string;
  let answer: (request: IncomingMessage, response: ServerResponse) => void;
  const seen: { url: string; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    peer = createHttpServer((request, response) => {
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
      answer(request, response);
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    peerUrl = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => peer.close(resolve)));
  beforeEach(() => {
    seen.length = 0;
  });

  const json = (body: unknown, status = 200) => (_request: IncomingMessage, response: ServerResponse) => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const capture = () => {
    const output = { stdout: '', stderr: '' };
    return { output, io: { stdout: (text: string) => { output.stdout += text; }, stderr: (text: string) => { output.stderr += text; } } };
  };

  test('sends the first ADMIN_TOKEN as the bearer token to <ADMIN_URL>/admin/..., with the client id encoded', async () => {
    answer = json({ client_id: 'a/b?c', client_name: 'x' });
    const { io, output } = capture();
    const code = await runCli(['clients', 'show', 'a/b?c'], { ADMIN_URL: `${peerUrl}/base/`, ADMIN_TOKEN: 'first-token-0123456789,second' }, io, fetch);
    expect(code).toBe(0);
    expect(seen).toEqual([{ url: '/base/admin/clients/a%2Fb%3Fc', authorization: 'Bearer first-token-0123456789' }]);
    expect(output.stdout).toMatch(/^client_name\s+x$/m);
  });

  test('the default URL is http://localhost:$PORT', async () => {
    answer = json({ clients: [], next_cursor: null });
    const { io, output } = capture();
    const port = new URL(peerUrl).port;
    expect(await runCli(['clients', 'list', '--limit', '5'], { PORT: port, ADMIN_TOKEN: 't0123456789' }, io, fetch)).toBe(0);
    expect(seen.map((request) => request.url)).toEqual(['/admin/clients?limit=5']);
    expect(output.stdout).toBe('No clients.\n');
  });

  test('control characters in what the API answers are escaped in tables', async () => {
    answer = json({
      clients: [{ client_id: 'evil', client_name: 'name\u001b[2J\nforged line', grant_types: [], client_id_issued_at: 0 }],
      next_cursor: null,
    });
    const { io, output } = capture();
    expect(await runCli(['clients', 'list'], { ADMIN_URL: peerUrl, ADMIN_TOKEN: 't0123456789' }, io, fetch)).toBe(0);
    expect(output.stdout).not.toContain('\u001b');
    expect(output.stdout).toContain('name\\x1b[2J\\x0aforged line');
    expect(output.stdout.trimEnd().split('\n')).toHaveLength(2);
  });

  test('a redirect is an error naming where it points, not followed with the token', async () => {
    answer = (_request, response) => {
      response.writeHead(301, { Location: 'https://elsewhere.example.com/admin/clients' }).end();
    };
    const { io, output } = capture();
    expect(await runCli(['clients', 'list'], { ADMIN_URL: peerUrl, ADMIN_TOKEN: 't0123456789' }, io, fetch)).toBe(1);
    expect(seen).toHaveLength(1);
    expect(output.stderr).toContain('redirected (HTTP 301) to https://elsewhere.example.com/admin/clients');
  });

  test('an answer that is not the admin API is reported as such', async () => {
    answer = (_request, response) => {
      response.writeHead(404, 'Not Found', { 'Content-Type': 'text/html' }).end('<html>nope</html>');
    };
    const { io, output } = capture();
    expect(await runCli(['audit'], { ADMIN_URL: peerUrl, ADMIN_TOKEN: 't0123456789' }, io, fetch)).toBe(1);
    expect(output.stderr).toBe(`error: GET ${peerUrl}/admin/audit answered HTTP 404 Not Found; is ${peerUrl} the authorization server?\n`);
  });
});
