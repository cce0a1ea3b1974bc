import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A command the driver sent: its name (insert, update, find, ...) and the collection it names. */
export interface MongoCommand {
  name: string;
  collection: string | undefined;
}

type Action = 'drop' | 'freeze';

interface Rule {
  matches: (command: MongoCommand) => boolean;
  action: Action;
}

interface Link {
  client: Socket;
  server: Socket;
  frozen: boolean;
  /** Bytes held while frozen, per direction. */
  held: { toServer: Buffer[]; toClient: Buffer[] };
  pending: Buffer;
}

const OP_MSG = 2013;

/** The command name and collection of an OP_MSG, read from the first element of its body document. */
export function readCommand(message: Buffer): MongoCommand | undefined {
  if (message.length < 21 || message.readInt32LE(12) !== OP_MSG) return undefined;
  let offset = 20; // header (16) + flagBits (4)
  if (message[offset] !== 0) return undefined; // section kind 0: the body document
  offset += 1 + 4; // kind, document length
  const type = message[offset]!;
  offset += 1;
  const nameEnd = message.indexOf(0, offset);
  if (nameEnd < 0) return undefined;
  const name = message.toString('utf8', offset, nameEnd);
  let collection: string | undefined;
  if (type === 0x02) {
    const length = message.readInt32LE(nameEnd + 1);
    collection = message.toString('utf8', nameEnd + 5, nameEnd + 5 + length - 1);
  }
  return { name, collection };
}

/**
 * A TCP proxy in front of a real MongoDB-compatible server that produces the failures a
 * production database has, for real, on the wire: a server that stops answering (frozen process,
 * network partition), a connection lost at a precise command, a server that is gone.
 */
export class MongoFaultProxy {
  readonly #links = new Set<Link>();
  readonly #rules: Rule[] = [];
  #frozen = false;
  readonly seen: MongoCommand[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.#link(client));
  }

  static async start(targetUri: string): Promise<MongoFaultProxy> {
    const { hostname, port } = new URL(targetUri.replace(/^mongodb:/, 'http:'));
    const server = createServer();
    const proxy = new MongoFaultProxy(server, { host: hostname, port: Number(port) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** A URI of the proxied server for one database. */
  uri(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  /** The server stops answering: nothing is forwarded, connections stay open. */
  freeze(): void {
    this.#frozen = true;
    for (const link of this.#links) link.frozen = true;
  }

  /** Forwarding resumes, with whatever was held. */
  thaw(): void {
    this.#frozen = false;
    this.#rules.length = 0;
    for (const link of this.#links) {
      link.frozen = false;
      for (const chunk of link.held.toServer.splice(0)) link.server.write(chunk);
      for (const chunk of link.held.toClient.splice(0)) link.client.write(chunk);
    }
  }

  /** From the first command that matches on: drop its connection, or freeze everything. */
  when(matches: (command: MongoCommand) => boolean, action: Action): void {
    this.#rules.push({ matches, action });
  }

  clearRules(): void {
    this.#rules.length = 0;
  }

  /** The server is gone: every connection is cut and new ones are refused. */
  async stop(): Promise<void> {
    for (const link of this.#links) {
      link.client.destroy();
      link.server.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #link(client: Socket): void {
    const server = createConnection(this.target);
    const link: Link = { client, server, frozen: this.#frozen, held: { toServer: [], toClient: [] }, pending: Buffer.alloc(0) };
    this.#links.add(link);
    const cut = () => {
      client.destroy();
      server.destroy();
      this.#links.delete(link);
    };
    client.on('error', cut);
    server.on('error', cut);
    client.on('close', cut);
    server.on('close', cut);
    server.on('data', (chunk: Buffer) => {
      if (link.frozen) link.held.toClient.push(chunk);
      else client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      link.pending = Buffer.concat([link.pending, chunk]);
      // Whole messages only, so that a rule sees each command before any of it is forwarded.
      while (link.pending.length >= 4 && link.pending.length >= link.pending.readInt32LE(0)) {
        const length = link.pending.readInt32LE(0);
        const message = link.pending.subarray(0, length);
        link.pending = link.pending.subarray(length);
        const command = readCommand(message);
        if (command) {
          this.seen.push(command);
          const rule = this.#rules.find((candidate) => candidate.matches(command));
          if (rule?.action === 'drop') {
            cut();
            return;
          }
          if (rule?.action === 'freeze') this.freeze();
        }
        if (link.frozen) link.held.toServer.push(Buffer.from(message));
        else server.write(message);
      }
    });
  }
}
