import { CachedClientStore, type Store } from '../../src/storage/index.js';
import { backends } from '../support/backends.js';

describe.each(backends)('client cache in front of the store ($name)', (backend) => {
  let store: Store;
  let settings: ReturnType<typeof backend.settings>;
  let clock = 0;

  beforeAll(async () => {
    settings = backend.settings();
    store = await backend.open(settings);
  });
  afterAll(async () => {
    await store.close();
    await backend.cleanup(settings);
  });

  const record = (clientId: string, name: string) => ({ clientId, metadata: { client_name: name }, attributes: {}, createdAt: new Date(1_000) });

  test('writes through the cache apply at once; writes behind it (another instance) within maxAge', async () => {
    const cached = new CachedClientStore(store.clients, 5_000, () => clock);
    await cached.upsert(record('cached-1', 'first'));
    expect((await cached.find('cached-1'))?.metadata.client_name).toBe('first');

    await cached.upsert(record('cached-1', 'second'));
    expect((await cached.find('cached-1'))?.metadata.client_name).toBe('second');

    await store.clients.upsert(record('cached-1', 'from another instance'));
    expect((await cached.find('cached-1'))?.metadata.client_name).toBe('second');
    clock += 5_000;
    expect((await cached.find('cached-1'))?.metadata.client_name).toBe('from another instance');

    await store.clients.delete('cached-1');
    expect(await cached.find('cached-1')).toBeDefined();
    clock += 5_000;
    expect(await cached.find('cached-1')).toBeUndefined();
  });

  test('a delete through the cache applies at once; a miss is not remembered', async () => {
    const cached = new CachedClientStore(store.clients, Number.POSITIVE_INFINITY, () => clock);
    await cached.upsert(record('cached-2', 'x'));
    expect(await cached.find('cached-2')).toBeDefined();
    expect(await cached.delete('cached-2')).toBe(true);
    expect(await cached.find('cached-2')).toBeUndefined();
    await store.clients.upsert(record('cached-2', 'created elsewhere'));
    expect((await cached.find('cached-2'))?.metadata.client_name).toBe('created elsewhere');
  });

  test('keeps at most maxEntries clients: the one read longest ago is read from the store again', async () => {
    const cached = new CachedClientStore(store.clients, Number.POSITIVE_INFINITY, () => clock, 2);
    for (const id of ['bounded-a', 'bounded-b', 'bounded-c']) await store.clients.upsert(record(id, 'before'));
    await cached.find('bounded-a');
    await cached.find('bounded-b');
    await store.clients.upsert(record('bounded-a', 'after'));
    await store.clients.upsert(record('bounded-b', 'after'));
    expect((await cached.find('bounded-a'))?.metadata.client_name).toBe('before');
    await cached.find('bounded-c');
    expect((await cached.find('bounded-a'))?.metadata.client_name).toBe('after');
    // Reading a again made room by dropping b, the oldest read left.
    expect((await cached.find('bounded-b'))?.metadata.client_name).toBe('after');
  });
});
