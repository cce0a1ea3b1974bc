import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import type { Document } from 'bson';

import { concreteUpdate, NESTED_ARRAY_MARKER, rewriteRequest, unwrapNested } from './mongo-compat.js';
import { decodeOpMsg, documentsOf, encodeOpMsg, MessageFramer, OP_MSG, opcodeOf, requestIdOf, responseToOf, type OpMsg } from './mongo-wire.js';

/** A connection of the proxy's own to the upstream server, for the commands an emulation sends. */
class UpstreamCommands {
  #socket: Socket | undefined;
  #framer = new MessageFramer();
  #nextId = 1;
  #waiting = new Map<number, { resolve: (body: Document) => void; reject: (error: Error) => void }>();

  constructor(private readonly port: number) {}

  run(body: Document): Promise<Document> {
    const socket = this.#socket ??= this.#open();
    const requestId = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(requestId, { resolve, reject });
      socket.write(encodeOpMsg({ requestId, responseTo: 0, flags: 0, body, sequences: [] }));
    });
  }

  #open(): Socket {
    const socket = connect(this.port, '127.0.0.1');
    socket.on('data', (chunk) => {
      for (const message of this.#framer.push(chunk)) {
        const waiter = this.#waiting.get(responseToOf(message));
        this.#waiting.delete(responseToOf(message));
        waiter?.resolve(decodeOpMsg(message).body);
      }
    });
    socket.on('error', (error) => {
      for (const waiter of this.#waiting.values()) waiter.reject(error);
      this.#waiting.clear();
      this.#socket = undefined;
    });
    return socket;
  }

  close(): void {
    this.#socket?.destroy();
  }
}

/** update with arrayFilters, as a find of the matching documents and plain updates of each. */
async function updateWithArrayFilters(message: OpMsg, upstream: UpstreamCommands): Promise<Document> {
  const collection = message.body.update as string;
  const database = message.body.$db as string;
  let n = 0;
  let nModified = 0;
  const writeErrors: Document[] = [];
  for (const [index, statement] of documentsOf(message, 'updates').entries()) {
    try {
      if (statement.arrayFilters === undefined) {
        const reply = await upstream.run({ update: collection, updates: [statement], $db: database });
        n += Number(reply.n ?? 0);
        nModified += Number(reply.nModified ?? 0);
        continue;
      }
      const found = await upstream.run({ find: collection, filter: statement.q, ...(statement.multi === true ? {} : { limit: 1 }), batchSize: 1000, $db: database });
      for (const document of ((found.cursor as Document | undefined)?.firstBatch ?? []) as Document[]) {
        n += 1;
        const update = concreteUpdate(document, statement.u as Document, statement.arrayFilters as Document[]);
        if (!update) continue;
        const reply = await upstream.run({ update: collection, updates: [{ q: { _id: document._id }, u: update }], $db: database });
        writeErrors.push(...((reply.writeErrors ?? []) as Document[]).map((error) => ({ ...error, index })));
        nModified += Number(reply.nModified ?? 0);
      }
    } catch (error) {
      writeErrors.push({ index, code: 2, errmsg: `arrayFilters emulation: ${(error as Error).message}` });
    }
  }
  return { n, nModified, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}

function unwrapReply(message: Buffer): Buffer {
  if (opcodeOf(message) !== OP_MSG || message.indexOf(NESTED_ARRAY_MARKER, 20) === -1) return message;
  const decoded = decodeOpMsg(message);
  return encodeOpMsg({
    ...decoded,
    body: unwrapNested(decoded.body) as Document,
    sequences: decoded.sequences.map(({ id, documents }) => ({ id, documents: documents.map((document) => unwrapNested(document) as Document) })),
  });
}

function proxyConnection(client: Socket, upstreamPort: number, onError: (message: string) => void): void {
  const upstream = connect(upstreamPort, '127.0.0.1');
  const commands = new UpstreamCommands(upstreamPort);
  const fromClient = new MessageFramer();
  const fromUpstream = new MessageFramer();
  // In order: a reply answered here must not overtake one still upstream.
  let queue = Promise.resolve();

  const handle = async (message: Buffer) => {
    if (opcodeOf(message) !== OP_MSG) {
      upstream.write(message);
      return;
    }
    const request = decodeOpMsg(message);
    const rewrite = rewriteRequest(request);
    const answer = (reply: Document) => client.write(encodeOpMsg({ requestId: 0x7fff0000 + (requestIdOf(message) & 0xffff), responseTo: request.requestId, flags: 0, body: reply, sequences: [] }));
    if (rewrite.kind === 'reply') answer(rewrite.reply);
    else if (rewrite.kind === 'array-filters') answer(await updateWithArrayFilters(rewrite.message, commands));
    else upstream.write(rewrite.message === request ? message : encodeOpMsg(rewrite.message));
  };

  client.on('data', (chunk) => {
    for (const message of fromClient.push(chunk)) {
      queue = queue.then(() => handle(message)).catch((error: Error) => onError(`conformance mongo proxy: ${error.message}`));
    }
  });
  upstream.on('data', (chunk) => {
    for (const message of fromUpstream.push(chunk)) {
      try {
        client.write(unwrapReply(message));
      } catch (error) {
        onError(`conformance mongo proxy: reply: ${(error as Error).message}`);
        client.write(message);
      }
    }
  });
  const close = () => {
    client.destroy();
    upstream.destroy();
    commands.close();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
  }
}

export interface MongoCompatProxy {
  port: number;
  close(): Promise<void>;
}

/** A MongoDB wire-protocol proxy on 127.0.0.1 in front of FerretDB, for the suite (see mongo-compat.ts). */
export async function startMongoCompatProxy(upstreamPort: number, onError: (message: string) => void): Promise<MongoCompatProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    proxyConnection(client, upstreamPort, onError);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
