import { randomBytes } from 'node:crypto';

import { MongoClient } from 'mongodb';

import { startMongoCompatProxy, type MongoCompatProxy } from '../../scripts/conformance/mongo-compat-proxy.js';

/**
 * The conformance runner's database proxy (npm run conformance), against the MongoDB-compatible
 * server the suite runs on, driven by the official driver as the conformance suite's Spring Data
 * drives it: what FerretDB refuses goes through, and reads back as written.
 */
describe('the conformance suite\'s database proxy in front of FerretDB', () => {
  let proxy: MongoCompatProxy;
  let client: MongoClient;
  const errors: string[] = [];
  const database = `conformance_proxy_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const upstream = new URL(process.env.MONGODB_URI!);
    proxy = await startMongoCompatProxy(Number(upstream.port), (message) => errors.push(message));
    client = await MongoClient.connect(`mongodb://127.0.0.1:${proxy.port}/${database}`, { serverSelectionTimeoutMS: 10_000 });
  });
  afterAll(async () => {
    await client?.db(database).dropDatabase().catch(() => undefined);
    await client?.close();
    await proxy?.close();
  });

  test('arrays inside arrays are stored and read back as they were, by insert, update and findAndModify', async () => {
    const plans = client.db(database).collection('TEST_CONFIG');
    const commands = [['text', 'name', 'username', 'conformance'], ['click', 'css', 'button.primary', ['nested', ['deeper']]]];
    await plans.insertOne({ _id: 'a' as never, browser: [{ commands }] });
    expect((await plans.findOne({ _id: 'a' as never }))?.browser).toEqual([{ commands }]);

    await plans.updateOne({ _id: 'a' as never }, { $push: { log: ['pushed', 'entry'] } as never });
    await plans.updateOne({ _id: 'a' as never }, { $push: { log: { $each: [['one', 1], ['two', 2]] } } as never });
    const updated = await plans.findOneAndUpdate({ _id: 'a' as never }, { $set: { matrix: [[1, 2], [3, 4]] } }, { returnDocument: 'after', projection: {} });
    expect(updated).toEqual(expect.objectContaining({ log: [['pushed', 'entry'], ['one', 1], ['two', 2]], matrix: [[1, 2], [3, 4]], browser: [{ commands }] }));
    expect(errors).toEqual([]);
  });

  test('an update with arrayFilters changes exactly the elements the filters match', async () => {
    const plans = client.db(database).collection('TEST_PLAN');
    await plans.insertOne({
      _id: 'plan' as never,
      modules: [
        { testModule: 'oidcc-server', variant: { client_auth_type: 'client_secret_basic' }, instances: [] },
        { testModule: 'oidcc-server', variant: { client_auth_type: 'private_key_jwt' }, instances: [] },
        { testModule: 'oidcc-refresh-token', variant: { client_auth_type: 'client_secret_basic' }, instances: [] },
      ],
    });
    const result = await plans.updateOne({ _id: 'plan' as never }, { $push: { 'modules.$[module].instances': 'test-1' } as never }, {
      arrayFilters: [{ 'module.testModule': 'oidcc-server', 'module.variant.client_auth_type': 'client_secret_basic' }],
    });
    expect(result.modifiedCount).toBe(1);
    const modules = (await plans.findOne({ _id: 'plan' as never }))?.modules as { instances: string[] }[];
    expect(modules.map((module) => module.instances)).toEqual([['test-1'], [], []]);
  });

  test('text indexes are answered as created, and a text search finds nothing (the suite\'s search box only)', async () => {
    const logs = client.db(database).collection('TEST_INFO');
    await logs.insertOne({ description: 'a plan', testName: 'oidcc-server' });
    await expect(logs.createIndex({ description: 'text', testName: 'text' })).resolves.toEqual(expect.any(String));
    await logs.createIndex({ testName: 1 });
    expect(await logs.find({ $text: { $search: 'plan' } }).toArray()).toEqual([]);
    expect(await logs.countDocuments({ testName: 'oidcc-server' })).toBe(1);
  });

  test('setFeatureCompatibilityVersion, which the suite sends at start-up, is answered ok', async () => {
    expect((await client.db('admin').command({ setFeatureCompatibilityVersion: '6.0', confirm: true })).ok).toBe(1);
  });
});
