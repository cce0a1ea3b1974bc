import request from 'supertest';

import { ADMIN_TOKEN, adminClient, adminConfig, OpenApiConformance, type AdminClient } from '../support/admin.js';
import { backends } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const PASSWORD = 'correct horse battery staple 42';

describe.each(backends)('admin users API ($name)', (backend) => {
  let server: TestServer;
  let conformance: OpenApiConformance;
  let admin: AdminClient;

  beforeAll(async () => {
    server = await startTestServer(backend, { config: adminConfig({ signIn: { passwordHashCost: 10 } }) });
    conformance = await OpenApiConformance.load(server.url);
    admin = adminClient(server.url, conformance);
  });
  afterAll(async () => {
    expect(conformance.checked).toBeGreaterThan(20);
    await server.destroy();
  });

  const createUser = async (body: Record<string, unknown>) => {
    const response = await admin.post('/users', body);
    expect(response.status).toBe(201);
    return response.body as { id: string; username: string; [member: string]: unknown };
  };

  test('POST /admin/users answers 201 with the user and its id, never the password or a hash', async () => {
    const response = await admin.post('/users', {
      username: 'Ada', password: PASSWORD, email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace',
      given_name: 'Ada', family_name: 'Lovelace', groups: ['admins', 'engineering'], profile: { department: 'R&D', level: 3 },
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      id: expect.any(String), username: 'Ada', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', given_name: 'Ada',
      family_name: 'Lovelace', phone_number_verified: false, groups: ['admins', 'engineering'], profile: { department: 'R&D', level: 3 }, disabled: false, has_password: true,
      created_at: expect.any(String), updated_at: expect.any(String), last_sign_in_at: null,
    });
    expect(response.headers.location).toBe(`${server.url}/admin/users/${response.body.id}`);
    expect(response.text).not.toContain(PASSWORD);
    expect(response.text).not.toContain('scrypt');
    const read = await admin.get(`/users/${response.body.id}`);
    expect(read.body).toEqual(response.body);
  });

  test('only username is required; without a password the user has none', async () => {
    const user = await createUser({ username: 'no-password-yet' });
    expect(user).toEqual(expect.objectContaining({ has_password: false, groups: [], profile: {}, email_verified: false }));
  });

  test('usernames are unique whatever their letter case: 409 username_taken', async () => {
    await createUser({ username: 'Grace' });
    const response = await admin.post('/users', { username: 'GRACE' });
    expect(response.status).toBe(409);
    expect(response.body.error).toBe('username_taken');
  });

  test.each([
    ['too short', 'short1'],
    ['one of the most common passwords', 'password123'],
    ['the username', 'the-username-itself'],
  ])('a password that is %s is refused with invalid_password and nothing is created', async (_label, password) => {
    const response = await admin.post('/users', { username: 'the-username-itself', password });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_password');
    expect((await admin.get('/users?username=the-username-itself')).body.users).toEqual([]);
  });

  test.each([
    ['a clear password hash member', { username: 'x1', password_hash: '$scrypt$...' }],
    ['an unknown member', { username: 'x2', role: 'root' }],
    ['white space in the username', { username: 'two words' }],
    ['a username of 129 characters', { username: 'u'.repeat(129) }],
    ['an invalid email', { username: 'x3', email: 'not an email' }],
    ['101 groups', { username: 'x4', groups: Array.from({ length: 101 }, (_, n) => `g${n}`) }],
    ['a profile of 51 members', { username: 'x5', profile: Object.fromEntries(Array.from({ length: 51 }, (_, n) => [`k${n}`, n])) }],
    ['a password of 257 characters', { username: 'x6', password: 'p'.repeat(257) }],
  ])('%s is refused with 400 invalid_request', async (_label, body) => {
    const response = await admin.post('/users', body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });

  test('PUT replaces what an administrator may set and keeps the password; PATCH merges', async () => {
    const user = await createUser({ username: 'linus', password: PASSWORD, email: 'linus@example.com', groups: ['a'] });
    const replaced = await admin.put(`/users/${user.id}`, { username: 'Linus', name: 'Linus T' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual(expect.objectContaining({ username: 'Linus', name: 'Linus T', groups: [], has_password: true }));
    expect(replaced.body.email).toBeUndefined();
    const patched = await admin.patch(`/users/${user.id}`, { groups: ['kernel'], profile: { shell: 'bash' }, name: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual(expect.objectContaining({ username: 'Linus', groups: ['kernel'], profile: { shell: 'bash' } }));
    expect(patched.body.name).toBeUndefined();
    expect((await admin.put(`/users/${user.id}`, { username: 'linus', password: 'x' })).status).toBe(400);
    expect((await admin.patch(`/users/${user.id}`, { id: 'other' })).status).toBe(400);
    await createUser({ username: 'taken-name' });
    expect((await admin.patch(`/users/${user.id}`, { username: 'Taken-Name' })).status).toBe(409);
  });

  test('POST /users/{id}/password sets a password under the same policy', async () => {
    const user = await createUser({ username: 'margaret' });
    expect((await admin.post(`/users/${user.id}/password`, { password: 'qwerty' })).status).toBe(400);
    expect((await admin.post(`/users/${user.id}/password`, { password: PASSWORD })).status).toBe(204);
    expect((await admin.get(`/users/${user.id}`)).body.has_password).toBe(true);
  });

  test('list: keyset pages with a Link header, and filters by username, email and group (case-insensitive names)', async () => {
    for (const n of [1, 2, 3, 4, 5]) await createUser({ username: `page-${n}`, email: `Page${n}@Example.org`, groups: n % 2 ? ['odd'] : ['even'] });
    const first = await admin.get('/users?group=odd&limit=2');
    expect(first.body.users.map((user: { username: string }) => user.username)).toEqual(['page-1', 'page-3']);
    expect(first.headers.link).toContain('rel="next"');
    const second = await admin.get(`/users?group=odd&limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.users.map((user: { username: string }) => user.username)).toEqual(['page-5']);
    expect(second.body.next_cursor).toBeNull();
    expect((await admin.get('/users?username=PAGE-2')).body.users.map((user: { username: string }) => user.username)).toEqual(['page-2']);
    expect((await admin.get('/users?email=page4@example.ORG')).body.users.map((user: { username: string }) => user.username)).toEqual(['page-4']);
    expect((await admin.get('/users?limit=0')).status).toBe(400);
    expect((await admin.get('/users?cursor=forged')).status).toBe(400);
  });

  test('disabling and deleting are audited with the admin as actor; a deleted user is gone', async () => {
    const user = await createUser({ username: 'temporary', password: PASSWORD });
    expect((await admin.patch(`/users/${user.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await admin.delete(`/users/${user.id}`)).status).toBe(204);
    expect((await admin.get(`/users/${user.id}`)).status).toBe(404);
    expect((await admin.delete(`/users/${user.id}`)).status).toBe(404);
    const { body } = await admin.get('/audit?limit=50');
    const mine = (body.events as { action: string; detail?: string; actor: string }[]).filter((event) => event.detail?.startsWith(`user ${user.id}`));
    expect(mine.map((event) => `${event.action} ${event.detail}`)).toEqual([
      `user.delete user ${user.id}`, `user.update user ${user.id} disabled`, `user.create user ${user.id}`,
    ]);
    expect(new Set(mine.map((event) => event.actor))).toEqual(new Set(['admin-token#1']));
  });

  test('sessions and grants of a user without any are empty lists; unknown ones answer 404', async () => {
    const user = await createUser({ username: 'idle' });
    expect((await admin.get(`/users/${user.id}/sessions`)).body).toEqual({ sessions: [] });
    expect((await admin.get(`/users/${user.id}/grants`)).body).toEqual({ grants: [] });
    expect((await admin.delete(`/users/${user.id}/grants/nope`)).status).toBe(404);
    expect((await admin.delete(`/users/${user.id}/sessions/nope`)).status).toBe(404);
    expect((await admin.delete(`/users/${user.id}/sessions`)).status).toBe(204);
    expect((await admin.get('/users/no-such-user/sessions')).status).toBe(404);
  });

  test('the raw store holds password hashes only, never a password', async () => {
    await createUser({ username: 'raw-check', password: 'an unforgettable passphrase' });
    const dump = await backend.rawDump(server.settings);
    expect(dump).toContain('$scrypt$ln=10,r=8,p=1$');
    expect(dump).not.toContain('an unforgettable passphrase');
    expect(dump).not.toContain(PASSWORD);
  });

  test('without credentials nothing is listed', async () => {
    expect((await request(server.url).get('/admin/users')).status).toBe(401);
    expect((await request(server.url).get('/admin/users').set('Authorization', `Bearer ${ADMIN_TOKEN}x`)).status).toBe(401);
  });
});
