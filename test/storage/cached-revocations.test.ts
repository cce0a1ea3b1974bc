import { CachedClientStore, CachedRevocations, type Store } from '../../src/storage/index.js';
import { mongoBackend } from '../support/backends.js';

describe('caches in front of MongoDB, shared by several instances', () => {
  let store: Store;
  let settings: ReturnType<typeof mongoBackend.settings>;
  beforeAll(async () => {
    settings = mongoBackend.settings();
    store = await mongoBackend.open(settings);
  });
  afterAll(async () => {
    await store.close();
    await mongoBackend.cleanup(settings);
  });

  test('a revocation applies at once on the instance that made it, and within the cache time on another', async () => {
    let clock = 1_000_000;
    const here = new CachedRevocations(store.revocations, 5_000, () => clock);
    const there = new CachedRevocations(store.revocations, 5_000, () => clock);
    const inAnHour = new Date(Date.now() + 3_600_000);
    expect(await there.isRevoked('jti-1', new Date())).toBe(false);
    await here.revoke('jti-1', inAnHour);
    expect(await here.isRevoked('jti-1', new Date())).toBe(true);
    // The other instance answered "not revoked" a moment ago and may repeat it for up to 5 s.
    expect(await there.isRevoked('jti-1', new Date())).toBe(false);
    clock += 5_000;
    expect(await there.isRevoked('jti-1', new Date())).toBe(true);
    // A revoked token stays revoked from the cache, without asking the store again.
    await store.close();
    expect(await there.isRevoked('jti-1', new Date())).toBe(true);
    store = await mongoBackend.open(settings);
  });

  test('concurrent reads of an expired client entry share one read of the store', async () => {
    await store.clients.upsert({ clientId: 'herd', metadata: { client_name: 'h' }, attributes: {}, createdAt: new Date() });
    let reads = 0;
    const counting = { ...store.clients, find: async (id: string) => { reads += 1; return store.clients.find(id); } };
    const cache = new CachedClientStore(counting, 5_000);
    const found = await Promise.all(Array.from({ length: 50 }, () => cache.find('herd')));
    expect(found.every((record) => record?.metadata.client_name === 'h')).toBe(true);
    expect(reads).toBe(1);
  });
});
