import { backends } from '../support/backends.js';
import type { Store, UserRecord } from '../../src/storage/index.js';

const inOneHour = () => new Date(Date.now() + 3_600_000);
const anHourAgo = () => new Date(Date.now() - 3_600_000);

describe.each(backends)('storage contract ($name)', (backend) => {
  let store: Store;
  let settings: ReturnType<typeof backend.settings>;

  beforeAll(async () => {
    settings = backend.settings();
    store = await backend.open(settings);
  });
  afterAll(async () => {
    await store.close();
    await backend.cleanup(settings);
  });

  test('ping answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('models', () => {
    test('upsert then find returns the payload, with dotted and user-supplied keys intact', async () => {
      const payload = { kind: 'ClientCredentials', extra: { 'app.clientId': 'c1', $where: 'x', 'a.b.c': [1, { 'd.e': true }] } };
      await store.models.upsert('ClientCredentials', 'k1', { payload, expiresAt: inOneHour(), clientId: 'c1' });
      const found = await store.models.find('ClientCredentials', 'k1');
      expect(found?.payload).toEqual(payload);
      expect(found?.clientId).toBe('c1');
      expect(found?.consumedAt).toBeUndefined();
    });

    test('upsert replaces an existing record', async () => {
      await store.models.upsert('Grant', 'g1', { payload: { v: 1 }, expiresAt: inOneHour() });
      await store.models.upsert('Grant', 'g1', { payload: { v: 2 }, expiresAt: inOneHour() });
      expect((await store.models.find('Grant', 'g1'))?.payload).toEqual({ v: 2 });
    });

    test('tokens issued in one turn are each stored; one saved again, in the same turn or later, ends as its last save', async () => {
      const keys = Array.from({ length: 40 }, (_, index) => `issued-${index}`);
      await Promise.all(keys.map((key) => store.models.upsert('ClientCredentials', key, { payload: { jti: key }, expiresAt: inOneHour(), clientId: 'c-issued' })));
      const found = await Promise.all(keys.map((key) => store.models.find('ClientCredentials', key)));
      expect(found.map((record) => record?.payload.jti)).toEqual(keys);

      // In one turn: a save of an existing token, a new one, and the new one saved twice more.
      await Promise.all([
        store.models.upsert('ClientCredentials', 'issued-0', { payload: { v: 2 }, expiresAt: inOneHour(), clientId: 'c-issued' }),
        store.models.upsert('ClientCredentials', 'issued-new', { payload: { v: 1 }, expiresAt: inOneHour() }),
        store.models.upsert('ClientCredentials', 'issued-new', { payload: { v: 2 }, expiresAt: inOneHour() }),
        store.models.upsert('ClientCredentials', 'issued-new', { payload: { v: 3 }, expiresAt: inOneHour(), clientId: 'c-issued' }),
      ]);
      expect((await store.models.find('ClientCredentials', 'issued-0'))?.payload).toEqual({ v: 2 });
      expect(await store.models.find('ClientCredentials', 'issued-new')).toMatchObject({ payload: { v: 3 }, clientId: 'c-issued' });
      expect(await store.models.destroyByClientId('c-issued', 'ClientCredentials')).toBe(41);
    });

    test('the same key under two models is two records', async () => {
      await store.models.upsert('AccessToken', 'shared', { payload: { m: 'a' }, expiresAt: inOneHour() });
      await store.models.upsert('RefreshToken', 'shared', { payload: { m: 'r' }, expiresAt: inOneHour() });
      expect((await store.models.find('AccessToken', 'shared'))?.payload).toEqual({ m: 'a' });
      expect((await store.models.find('RefreshToken', 'shared'))?.payload).toEqual({ m: 'r' });
    });

    test('an expired record is not found, whether or not the database removed it yet', async () => {
      await store.models.upsert('AccessToken', 'expired', { payload: {}, expiresAt: anHourAgo() });
      expect(await store.models.find('AccessToken', 'expired')).toBeUndefined();
    });

    test('a record without expiry lives on', async () => {
      await store.models.upsert('Grant', 'forever', { payload: { f: 1 }, expiresAt: undefined });
      expect((await store.models.find('Grant', 'forever'))?.expiresAt).toBeUndefined();
    });

    test('consume marks a record consumed', async () => {
      await store.models.upsert('AuthorizationCode', 'code1', { payload: {}, expiresAt: inOneHour() });
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      await store.models.consume('AuthorizationCode', 'code1', at);
      expect((await store.models.find('AuthorizationCode', 'code1'))?.consumedAt?.getTime()).toBe(at.getTime());
    });

    test('destroy deletes one record', async () => {
      await store.models.upsert('AccessToken', 'd1', { payload: {}, expiresAt: inOneHour() });
      await store.models.destroy('AccessToken', 'd1');
      expect(await store.models.find('AccessToken', 'd1')).toBeUndefined();
    });

    test('destroyByGrantId deletes the grant\'s records of that model only', async () => {
      await store.models.upsert('AccessToken', 'ga1', { payload: {}, expiresAt: inOneHour(), grantId: 'G' });
      await store.models.upsert('AccessToken', 'ga2', { payload: {}, expiresAt: inOneHour(), grantId: 'G' });
      await store.models.upsert('RefreshToken', 'gr1', { payload: {}, expiresAt: inOneHour(), grantId: 'G' });
      await store.models.upsert('AccessToken', 'other', { payload: {}, expiresAt: inOneHour(), grantId: 'H' });
      await store.models.destroyByGrantId('AccessToken', 'G');
      expect(await store.models.find('AccessToken', 'ga1')).toBeUndefined();
      expect(await store.models.find('AccessToken', 'ga2')).toBeUndefined();
      expect(await store.models.find('RefreshToken', 'gr1')).toBeDefined();
      expect(await store.models.find('AccessToken', 'other')).toBeDefined();
    });

    test('destroyByClientId deletes every record of the client, across models', async () => {
      await store.models.upsert('ClientCredentials', 'cc1', { payload: {}, expiresAt: inOneHour(), clientId: 'doomed' });
      await store.models.upsert('ClientCredentials', 'cc2', { payload: {}, expiresAt: inOneHour(), clientId: 'kept' });
      await store.models.upsert('RegistrationAccessToken', 'rat2', { payload: {}, expiresAt: undefined, clientId: 'doomed' });
      expect(await store.models.destroyByClientId('doomed', 'RegistrationAccessToken')).toBe(1);
      expect(await store.models.find('ClientCredentials', 'cc1')).toBeDefined();
      await store.models.upsert('RegistrationAccessToken', 'rat1', { payload: {}, expiresAt: undefined, clientId: 'doomed' });
      expect(await store.models.destroyByClientId('doomed')).toBe(2);
      expect(await store.models.find('ClientCredentials', 'cc1')).toBeUndefined();
      expect(await store.models.find('RegistrationAccessToken', 'rat1')).toBeUndefined();
      expect(await store.models.find('ClientCredentials', 'cc2')).toBeDefined();
    });

    test('findByUid and findByUserCode return the key and the record', async () => {
      await store.models.upsert('Session', 's1', { payload: { a: 1 }, expiresAt: inOneHour(), uid: 'U1' });
      await store.models.upsert('DeviceCode', 'dc1', { payload: { b: 2 }, expiresAt: inOneHour(), userCode: 'UC1' });
      expect(await store.models.findByUid('Session', 'U1')).toEqual(expect.objectContaining({ key: 's1', record: expect.objectContaining({ payload: { a: 1 } }) }));
      expect(await store.models.findByUserCode('DeviceCode', 'UC1')).toEqual(expect.objectContaining({ key: 'dc1' }));
      expect(await store.models.findByUid('Session', 'nope')).toBeUndefined();
    });

    test('sweepExpired deletes expired records and keeps live ones', async () => {
      await store.models.upsert('AccessToken', 'sweep-me', { payload: {}, expiresAt: anHourAgo() });
      await store.models.upsert('AccessToken', 'keep-me', { payload: {}, expiresAt: inOneHour() });
      await store.revocations.revoke('old-jti', anHourAgo());
      const deleted = await store.sweepExpired(new Date());
      expect(deleted).toBeGreaterThanOrEqual(store.expiryMode === 'sweep' ? 2 : 0);
      expect(await store.models.find('AccessToken', 'keep-me')).toBeDefined();
      // After a sweep, even an upsert of the same key starts from scratch.
      await store.models.upsert('AccessToken', 'sweep-me', { payload: { fresh: true }, expiresAt: inOneHour() });
      expect((await store.models.find('AccessToken', 'sweep-me'))?.payload).toEqual({ fresh: true });
    });

    test('a sweep of more records than one batch, called until it deletes nothing (as the upkeep calls it), deletes every one', async () => {
      const expired = 1_200;
      await Promise.all(Array.from({ length: expired }, (_, index) =>
        store.models.upsert('ClientCredentials', `batch-${index}`, { payload: {}, expiresAt: anHourAgo(), clientId: 'batch-client' })));
      await store.models.upsert('ClientCredentials', 'batch-live', { payload: {}, expiresAt: inOneHour(), clientId: 'batch-client' });
      let deleted = 0;
      for (let piece = -1; piece !== 0; deleted += piece) piece = await store.sweepExpired(new Date());
      expect(deleted).toBeGreaterThanOrEqual(expired);
      // What is left of the client's records is the live one.
      expect(await store.models.destroyByClientId('batch-client', 'ClientCredentials')).toBe(1);
    });
  });

  describe('models of a user', () => {
    test('findByAccountId lists a user\'s live records of one model; destroyByAccountId deletes all of them', async () => {
      await store.models.upsert('Session', 'acct-s1', { payload: { accountId: 'user-a' }, expiresAt: inOneHour(), uid: 'acct-u1', accountId: 'user-a' });
      await store.models.upsert('Session', 'acct-s2', { payload: {}, expiresAt: anHourAgo(), accountId: 'user-a' });
      await store.models.upsert('Grant', 'acct-g1', { payload: {}, expiresAt: inOneHour(), grantId: 'acct-g1', accountId: 'user-a' });
      await store.models.upsert('RefreshToken', 'acct-r1', { payload: {}, expiresAt: inOneHour(), grantId: 'acct-g1', accountId: 'user-a' });
      await store.models.upsert('Session', 'acct-s3', { payload: {}, expiresAt: inOneHour(), accountId: 'user-b' });

      const sessions = await store.models.findByAccountId('Session', 'user-a', 10);
      expect(sessions.map(({ key }) => key)).toEqual(['acct-s1']);
      expect(sessions[0]?.record.accountId).toBe('user-a');
      expect((await store.models.findByAccountId('Grant', 'user-a', 10))[0]?.record.grantId).toBe('acct-g1');
      expect(await store.models.findByAccountId('Session', 'user-a', 0)).toHaveLength(0);

      expect(await store.models.destroyByAccountId('user-a')).toBeGreaterThanOrEqual(3);
      expect(await store.models.find('RefreshToken', 'acct-r1')).toBeUndefined();
      expect(await store.models.find('Session', 'acct-s1')).toBeUndefined();
      expect(await store.models.find('Session', 'acct-s3')).toBeDefined();
    });
  });

  describe('users', () => {
    const aUser = (id: string, username: string, extra: Partial<UserRecord> = {}): UserRecord => ({
      id, username, emailVerified: false, phoneNumberVerified: false, groups: [], profile: {}, disabled: false,
      createdAt: new Date(Math.floor(Date.now() / 1000) * 1000), updatedAt: new Date(), ...extra,
    });

    test('create then find by id and by username in any letter case; every field survives', async () => {
      const user = aUser('u-1', 'Alice.Example', {
        email: 'Alice@Example.COM', emailVerified: true, name: 'Alice Example', givenName: 'Alice', familyName: 'Example',
        phoneNumber: '+1 555 0100', phoneNumberVerified: true, profileClaims: { nickname: 'Al', birthdate: '1990-01-31', locale: 'fr-FR' }, address: { street_address: '1 Main St', locality: 'Springfield', country: 'US' },
        groups: ['admins', 'dev'], profile: { 'a.b': { $where: 1 }, locale: 'fr' }, passwordHash: '$scrypt$ln=4,r=8,p=1$c2FsdA$aGFzaA',
      });
      await store.users.create(user);
      const found = await store.users.find('u-1');
      expect(found).toEqual({ ...user, lastSignInAt: undefined, revision: 0 });
      expect((await store.users.findByUsername('alice.example'))?.id).toBe('u-1');
      expect((await store.users.findByUsername('ALICE.EXAMPLE'))?.id).toBe('u-1');
      expect(await store.users.findByUsername('alice')).toBeUndefined();
      expect(await store.users.find('nope')).toBeUndefined();
    });

    test('a username taken in another letter case is refused, on create and on update', async () => {
      await store.users.create(aUser('u-2', 'bob'));
      await expect(store.users.create(aUser('u-3', 'BOB'))).rejects.toMatchObject({ name: 'DuplicateUserError' });
      await store.users.create(aUser('u-4', 'carol'));
      const carol = (await store.users.find('u-4'))!;
      await expect(store.users.update({ ...carol, username: 'Bob' })).rejects.toMatchObject({ name: 'DuplicateUserError' });
      expect((await store.users.find('u-4'))?.username).toBe('carol');
    });

    test('update is a compare-and-set on the revision read', async () => {
      await store.users.create(aUser('u-5', 'dave'));
      const read = (await store.users.find('u-5'))!;
      expect(await store.users.update({ ...read, name: 'Dave One' })).toBe(true);
      expect(await store.users.update({ ...read, name: 'Dave Two' })).toBe(false);
      const now = (await store.users.find('u-5'))!;
      expect(now.name).toBe('Dave One');
      expect(now.revision).toBe(1);
      expect(await store.users.update({ ...aUser('u-gone', 'ghost'), revision: 0 })).toBe(false);
    });

    test('recordSignIn sets the last sign-in and an upgraded hash, keeping the revision', async () => {
      await store.users.create(aUser('u-6', 'erin', { passwordHash: 'old-hash' }));
      const at = new Date('2026-11-23T10:00:00.000Z');
      await store.users.recordSignIn('u-6', at);
      let erin = (await store.users.find('u-6'))!;
      expect(erin.lastSignInAt).toEqual(at);
      expect(erin.passwordHash).toBe('old-hash');
      await store.users.recordSignIn('u-6', at, 'new-hash');
      erin = (await store.users.find('u-6'))!;
      expect(erin.passwordHash).toBe('new-hash');
      expect(erin.revision).toBe(0);
    });

    test('list pages in creation order and filters by username, email and group', async () => {
      const base = Date.now() + 86_400_000;
      for (let n = 0; n < 5; n += 1) {
        await store.users.create(aUser(`list-${n}`, `lister${n}`, {
          createdAt: new Date(base + n * 1000), email: `Lister${n}@example.org`, groups: n % 2 === 0 ? ['even'] : ['odd'],
        }));
      }
      const after = { createdAt: new Date(base - 1), id: '' };
      const first = await store.users.list({ limit: 2, after });
      expect(first.map(({ id }) => id)).toEqual(['list-0', 'list-1']);
      const last = first[1]!;
      const second = await store.users.list({ limit: 10, after: { createdAt: last.createdAt, id: last.id } });
      expect(second.map(({ id }) => id)).toEqual(['list-2', 'list-3', 'list-4']);
      expect((await store.users.list({ limit: 10, username: 'LISTER3' })).map(({ id }) => id)).toEqual(['list-3']);
      expect((await store.users.list({ limit: 10, email: 'lister4@EXAMPLE.org' })).map(({ id }) => id)).toEqual(['list-4']);
      expect((await store.users.list({ limit: 10, group: 'even', after })).map(({ id }) => id)).toEqual(['list-0', 'list-2', 'list-4']);
    });

    test('delete removes the user and frees its username', async () => {
      await store.users.create(aUser('u-7', 'frank'));
      expect(await store.users.delete('u-7')).toBe(true);
      expect(await store.users.delete('u-7')).toBe(false);
      expect(await store.users.find('u-7')).toBeUndefined();
      await store.users.create(aUser('u-8', 'Frank'));
      expect((await store.users.findByUsername('frank'))?.id).toBe('u-8');
    });
  });

  describe('clients', () => {
    test('upsert, find and delete', async () => {
      const createdAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      await store.clients.upsert({ clientId: 'client-a', metadata: { client_name: 'A', profile: { 'tenant.id': 't1' } }, attributes: { policy: 'p.1' }, createdAt });
      expect(await store.clients.find('client-a')).toEqual({
        clientId: 'client-a',
        metadata: { client_name: 'A', profile: { 'tenant.id': 't1' } },
        attributes: { policy: 'p.1' },
        createdAt,
        revision: expect.any(Number),
      });
      expect(await store.clients.delete('client-a')).toBe(true);
      expect(await store.clients.find('client-a')).toBeUndefined();
      expect(await store.clients.delete('client-a')).toBe(false);
    });

    test('update writes a client only as it was read: never over a change made since, never after a delete', async () => {
      await store.clients.upsert({ clientId: 'cas', metadata: { client_name: 'v1' }, attributes: {}, createdAt: new Date() });
      const read = (await store.clients.find('cas'))!;
      expect(await store.clients.update({ ...read, metadata: { client_name: 'v2' } })).toBe(true);
      const second = (await store.clients.find('cas'))!;
      expect(second.metadata).toEqual({ client_name: 'v2' });
      expect(second.revision).toBeGreaterThan(read.revision!);
      // A writer that read v1 loses: v2 stays.
      expect(await store.clients.update({ ...read, metadata: { client_name: 'stale' } })).toBe(false);
      expect((await store.clients.find('cas'))!.metadata).toEqual({ client_name: 'v2' });
      // Concurrent writers of one revision: exactly one wins.
      const outcomes = await Promise.all(['a', 'b', 'c'].map((name) => store.clients.update({ ...second, metadata: { client_name: name } })));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      // A deleted client is not brought back.
      await store.clients.delete('cas');
      expect(await store.clients.update({ ...second, metadata: { client_name: 'revived' } })).toBe(false);
      expect(await store.clients.find('cas')).toBeUndefined();
    });

    test('list pages through clients in creation order, exactly once each, under concurrent inserts and deletes', async () => {
      const base = 1_800_000_000_000;
      const ids = Array.from({ length: 9 }, (_, index) => `page-${index}`);
      for (const [index, clientId] of ids.entries()) {
        // Two clients share each creation time, so the id breaks ties.
        await store.clients.upsert({ clientId, metadata: {}, attributes: {}, createdAt: new Date(base + Math.floor(index / 2) * 1000) });
      }
      const seen: string[] = [];
      let after: { createdAt: Date; clientId: string } | undefined;
      for (let page = 0; page < 10; page += 1) {
        const clients = (await store.clients.list({ limit: 2, after })).filter((client) => client.clientId.startsWith('page-'));
        if (clients.length === 0) break;
        seen.push(...clients.map((client) => client.clientId));
        const last = clients[clients.length - 1]!;
        after = { createdAt: last.createdAt, clientId: last.clientId };
        if (page === 1) {
          await store.clients.delete('page-0'); // already seen
          await store.clients.delete('page-8'); // not yet seen: must not appear
          await store.clients.upsert({ clientId: 'page-9', metadata: {}, attributes: {}, createdAt: new Date(base + 60_000) });
        }
      }
      expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6', 'page-7', 'page-9']);
    });

    test('list filters on client_name and software_id', async () => {
      const createdAt = new Date(1_900_000_000_000);
      await store.clients.upsert({ clientId: 'f1', metadata: { client_name: 'Filter Me', software_id: 'sw-f' }, attributes: {}, createdAt });
      await store.clients.upsert({ clientId: 'f2', metadata: { client_name: 'Filter Me' }, attributes: {}, createdAt });
      await store.clients.upsert({ clientId: 'f3', metadata: { client_name: 'Other', software_id: 'sw-f' }, attributes: {}, createdAt });
      expect((await store.clients.list({ limit: 10, clientName: 'Filter Me' })).map((c) => c.clientId)).toEqual(['f1', 'f2']);
      expect((await store.clients.list({ limit: 10, softwareId: 'sw-f' })).map((c) => c.clientId)).toEqual(['f1', 'f3']);
      expect((await store.clients.list({ limit: 10, clientName: 'Filter Me', softwareId: 'sw-f' })).map((c) => c.clientId)).toEqual(['f1']);
      expect((await store.clients.list({ limit: 1, clientName: 'Filter Me', after: { createdAt, clientId: 'f1' } })).map((c) => c.clientId)).toEqual(['f2']);
      // A rename moves the client out of the filter.
      await store.clients.upsert({ clientId: 'f2', metadata: { client_name: 'Renamed' }, attributes: {}, createdAt });
      expect((await store.clients.list({ limit: 10, clientName: 'Filter Me' })).map((c) => c.clientId)).toEqual(['f1']);
    });

    test('an update keeps the creation time', async () => {
      const createdAt = new Date(1_700_000_000_000);
      await store.clients.upsert({ clientId: 'client-b', metadata: { v: 1 }, attributes: { a: 1 }, createdAt });
      await store.clients.upsert({ clientId: 'client-b', metadata: { v: 2 }, attributes: { a: 2 }, createdAt: new Date() });
      const found = await store.clients.find('client-b');
      expect(found?.metadata).toEqual({ v: 2 });
      expect(found?.attributes).toEqual({ a: 2 });
      expect(found?.createdAt.getTime()).toBe(createdAt.getTime());
    });
  });

  describe('audit events', () => {
    test('append, then list newest first with filters and keyset pages', async () => {
      const at = (seconds: number) => new Date(2_000_000_000_000 + seconds * 1000);
      const events = [
        { id: 'e1', time: at(1), actor: 'admin-token:1', action: 'client.create', clientId: 'c1', requestId: 'r1', outcome: 'success' as const },
        { id: 'e2', time: at(2), actor: 'admin-token:1', action: 'client.update', clientId: 'c1', outcome: 'success' as const },
        { id: 'e3', time: at(2), actor: 'anonymous', action: 'admin.authenticate', outcome: 'failure' as const, detail: 'missing credentials' },
        { id: 'e4', time: at(3), actor: 'admin-token:1', action: 'client.create', clientId: 'c2', outcome: 'success' as const },
      ];
      for (const event of events) await store.audit.append(event);
      const all = await store.audit.list({ limit: 10 });
      expect(all.map((event) => event.id).slice(0, 4)).toEqual(['e4', 'e3', 'e2', 'e1']);
      expect(all.find((event) => event.id === 'e1')).toEqual(events[0]);
      expect(all.find((event) => event.id === 'e3')).toEqual({ ...events[2], clientId: undefined, requestId: undefined });
      expect((await store.audit.list({ limit: 10, clientId: 'c1' })).map((event) => event.id)).toEqual(['e2', 'e1']);
      expect((await store.audit.list({ limit: 10, action: 'client.create' })).map((event) => event.id)).toEqual(['e4', 'e1']);
      const page = await store.audit.list({ limit: 2, before: { time: at(2), id: 'e3' } });
      expect(page.map((event) => event.id)).toEqual(['e2', 'e1']);
    });
  });

  describe('initial access tokens', () => {
    const record = (id: string, overrides: Partial<Parameters<Store['initialAccessTokens']['put']>[0]> = {}) => ({
      id, tokenHash: `hash-${id}`, policies: ['default'], expiresAt: inOneHour(), maxUses: 2, uses: 0, createdAt: new Date(1_000), ...overrides,
    });

    test('put, findByHash, list and delete', async () => {
      await store.initialAccessTokens.put(record('iat-1'));
      expect(await store.initialAccessTokens.findByHash('hash-iat-1')).toEqual(expect.objectContaining({ id: 'iat-1', policies: ['default'], maxUses: 2, uses: 0 }));
      expect((await store.initialAccessTokens.list()).map((token) => token.id)).toContain('iat-1');
      expect(await store.initialAccessTokens.delete('iat-1')).toBe(true);
      expect(await store.initialAccessTokens.findByHash('hash-iat-1')).toBeUndefined();
      expect(await store.initialAccessTokens.delete('iat-1')).toBe(false);
    });

    test('recordUse stops at maxUses, even under concurrency, and releaseUse gives one back', async () => {
      await store.initialAccessTokens.put(record('iat-2', { maxUses: 3 }));
      const results = await Promise.all(Array.from({ length: 6 }, () => store.initialAccessTokens.recordUse('iat-2', new Date())));
      expect(results.filter(Boolean)).toHaveLength(3);
      expect((await store.initialAccessTokens.findByHash('hash-iat-2'))?.uses).toBe(3);
      await store.initialAccessTokens.releaseUse('iat-2');
      expect(await store.initialAccessTokens.recordUse('iat-2', new Date())).toBe(true);
    });

    test('recordUse refuses an expired token and counts nothing for an unlimited one beyond the use', async () => {
      await store.initialAccessTokens.put(record('iat-3', { expiresAt: anHourAgo() }));
      expect(await store.initialAccessTokens.recordUse('iat-3', new Date())).toBe(false);
      await store.initialAccessTokens.put(record('iat-4', { maxUses: undefined, expiresAt: undefined }));
      expect(await store.initialAccessTokens.recordUse('iat-4', new Date())).toBe(true);
      expect(await store.initialAccessTokens.recordUse('iat-4', new Date())).toBe(true);
      expect((await store.initialAccessTokens.findByHash('hash-iat-4'))?.uses).toBe(2);
    });

    test('put of an existing id keeps its use count', async () => {
      await store.initialAccessTokens.put(record('iat-5'));
      await store.initialAccessTokens.recordUse('iat-5', new Date());
      await store.initialAccessTokens.put(record('iat-5', { policies: ['other'] }));
      expect(await store.initialAccessTokens.findByHash('hash-iat-5')).toEqual(expect.objectContaining({ uses: 1, policies: ['other'] }));
    });
  });

  describe('signing keys', () => {
    const base = { alg: 'RS256', publicJwk: { kty: 'RSA', n: 'x', e: 'AQAB' }, sealedPrivateJwk: 'sealed', activateAt: new Date(1_000_000_000_000) };

    test('insert keeps the first key of a kid, list is ordered by creation', async () => {
      expect(await store.signingKeys.insert({ ...base, kid: 'later', generation: 2, createdAt: new Date(2_000_000_000_000) })).toBe(true);
      expect(await store.signingKeys.insert({ ...base, kid: 'earlier', generation: 1, createdAt: new Date(1_000_000_000_000) })).toBe(true);
      expect(await store.signingKeys.insert({ ...base, kid: 'earlier', generation: 3, sealedPrivateJwk: 'other', createdAt: new Date() })).toBe(false);
      const keys = await store.signingKeys.list();
      expect(keys.map((key) => key.kid)).toEqual(['earlier', 'later']);
      expect(keys[0]).toEqual({ ...base, kid: 'earlier', generation: 1, createdAt: new Date(1_000_000_000_000), retireAt: undefined, removeAt: undefined });
    });

    test('retire schedules a key\'s end, delete removes it', async () => {
      await store.signingKeys.insert({ ...base, alg: 'EdDSA', kid: 'retiring', generation: 1, createdAt: new Date(1_500_000_000_000) });
      await store.signingKeys.retire('retiring', new Date(1_600_000_000_000), new Date(1_700_000_000_000));
      const retiring = (await store.signingKeys.list()).find((key) => key.kid === 'retiring');
      expect(retiring).toEqual(expect.objectContaining({ retireAt: new Date(1_600_000_000_000), removeAt: new Date(1_700_000_000_000) }));
      await store.signingKeys.delete('retiring');
      expect((await store.signingKeys.list()).some((key) => key.kid === 'retiring')).toBe(false);
    });

    test('one key per algorithm and generation: the loser of a race is told so', async () => {
      const key = { ...base, alg: 'ES256', generation: 1, createdAt: new Date() };
      const results = await Promise.all([
        store.signingKeys.insert({ ...key, kid: 'racer-a' }),
        store.signingKeys.insert({ ...key, kid: 'racer-b' }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.signingKeys.list()).filter((stored) => stored.alg === 'ES256')).toHaveLength(1);
    });
  });

  describe('revocations', () => {
    test('a revoked id is revoked until its expiry', async () => {
      const expiresAt = inOneHour();
      await store.revocations.revoke('jti-1', expiresAt);
      expect(await store.revocations.isRevoked('jti-1', new Date())).toBe(true);
      expect(await store.revocations.isRevoked('jti-1', new Date(expiresAt.getTime() + 1))).toBe(false);
      expect(await store.revocations.isRevoked('jti-unknown', new Date())).toBe(false);
    });

    test('revoking twice keeps the later expiry', async () => {
      const later = inOneHour();
      await store.revocations.revoke('jti-2', later);
      await store.revocations.revoke('jti-2', new Date(Date.now() + 1_000));
      expect(await store.revocations.isRevoked('jti-2', new Date(later.getTime() - 1_000))).toBe(true);
    });
  });
});
