import { randomBytes } from 'node:crypto';

import { MongoClient, type Collection } from 'mongodb';

import { StoreUnavailableError } from '../../src/storage/errors.js';
import { GroupedInserts } from '../../src/storage/mongodb/grouped-inserts.js';
import { MongoFaultProxy } from '../support/mongo-fault-proxy.js';

interface Token {
  _id: string;
  v: number;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('grouped token inserts on MongoDB', () => {
  let proxy: MongoFaultProxy;
  let client: MongoClient;
  let collection: Collection<Token>;
  let insertsInFlight = 0;
  let mostInFlight = 0;
  let insertCommands = 0;

  const replace = async (document: Token) => {
    await collection.replaceOne({ _id: document._id }, document, { upsert: true });
  };

  beforeEach(async () => {
    proxy = await MongoFaultProxy.start(process.env.MONGODB_URI!);
    client = new MongoClient(proxy.uri(`grouped_${randomBytes(6).toString('hex')}`), { monitorCommands: true });
    client.on('commandStarted', (event) => {
      if (event.commandName !== 'insert') return;
      insertCommands += 1;
      insertsInFlight += 1;
      mostInFlight = Math.max(mostInFlight, insertsInFlight);
    });
    const settled = (event: { commandName: string }) => {
      if (event.commandName === 'insert') insertsInFlight -= 1;
    };
    client.on('commandSucceeded', settled);
    client.on('commandFailed', settled);
    await client.connect();
    collection = client.db().collection<Token>('tokens');
    insertsInFlight = mostInFlight = insertCommands = 0;
  });
  afterEach(async () => {
    proxy.thaw();
    await client.db().dropDatabase();
    await client.close();
    await proxy.stop();
  });

  test('one group is written at a time; what arrives meanwhile is written as the next group', async () => {
    const grouped = new GroupedInserts(collection, replace, 5_000);
    const saves: Promise<void>[] = [];
    // The database holds the first group while two more turns of tokens arrive.
    proxy.freeze();
    for (let wave = 0; wave < 3; wave += 1) {
      for (let index = 0; index < 20; index += 1) saves.push(grouped.upsert({ _id: `t-${wave}-${index}`, v: wave }));
      await nextTurn();
      await sleep(20);
    }
    proxy.thaw();
    await Promise.all(saves);

    expect(mostInFlight).toBe(1);
    expect(insertCommands).toBe(2);
    expect(await collection.countDocuments()).toBe(60);
  });

  test('a token that waited past the limit behind a held write is not written, and its caller is told the store is unavailable', async () => {
    const grouped = new GroupedInserts(collection, replace, 200);
    proxy.freeze();
    const held = grouped.upsert({ _id: 'held', v: 1 });
    await sleep(50);
    const waiting = grouped.upsert({ _id: 'waiting', v: 1 });
    const waitingOutcome = waiting.then(() => 'written', (error: unknown) => error);
    await sleep(300);
    proxy.thaw();

    await expect(held).resolves.toBeUndefined();
    expect(await waitingOutcome).toBeInstanceOf(StoreUnavailableError);
    expect(await collection.find().toArray()).toEqual([{ _id: 'held', v: 1 }]);

    // Nothing stays held: the next token is written as usual.
    await grouped.upsert({ _id: 'after', v: 1 });
    expect(await collection.countDocuments({ _id: 'after' })).toBe(1);
  });

  test('a record saved in two groups in a row ends as its later save', async () => {
    const grouped = new GroupedInserts(collection, replace, 5_000);
    proxy.freeze();
    const first = grouped.upsert({ _id: 'twice', v: 1 });
    await sleep(50);
    const second = grouped.upsert({ _id: 'twice', v: 2 });
    proxy.thaw();
    await Promise.all([first, second]);
    expect(await collection.find().toArray()).toEqual([{ _id: 'twice', v: 2 }]);
  });

  test('after a group that took longer than the limit, the next is answered unavailable unwritten, and the one after is written', async () => {
    const grouped = new GroupedInserts(collection, replace, 200);
    proxy.freeze();
    const slow = grouped.upsert({ _id: 'slow', v: 1 });
    await sleep(300);
    proxy.thaw();
    await expect(slow).resolves.toBeUndefined();

    // It would wait about as long as the last group took: past the limit, its caller gone.
    await expect(grouped.upsert({ _id: 'shed', v: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
    await grouped.upsert({ _id: 'next', v: 1 });
    expect((await collection.find().toArray()).map((document) => document._id).sort()).toEqual(['next', 'slow']);
  });
});
