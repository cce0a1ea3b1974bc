import { deserialize, serialize, type Document } from 'bson';

/**
 * The parts of MongoDB's wire protocol a proxy between a driver and a server needs: messages
 * framed from a byte stream, and OP_MSG (the only opcode drivers since MongoDB 3.6 send, and
 * FerretDB answers) decoded into its body and document sequences, and encoded back.
 */

export const OP_MSG = 2013;

const HEADER_BYTES = 16;
const CHECKSUM_PRESENT = 1;
/** Values read as BSON has them (Long, Int32...), so that what is re-encoded is byte-for-byte the same type. */
const AS_WRITTEN = { promoteLongs: false, promoteValues: false, bsonRegExp: true } as const;

export interface OpMsg {
  requestId: number;
  responseTo: number;
  flags: number;
  body: Document;
  /** Kind 1 sections: a named sequence of documents (insert's documents, update's updates, ...). */
  sequences: { id: string; documents: Document[] }[];
}

/** Splits a byte stream into whole messages; keeps what is left for the next chunk. */
export class MessageFramer {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const messages: Buffer[] = [];
    while (this.#pending.length >= 4) {
      const length = this.#pending.readInt32LE(0);
      if (this.#pending.length < length) break;
      messages.push(Buffer.from(this.#pending.subarray(0, length)));
      this.#pending = this.#pending.subarray(length);
    }
    return messages;
  }
}

export const opcodeOf = (message: Buffer): number => message.readInt32LE(12);
export const requestIdOf = (message: Buffer): number => message.readInt32LE(4);
export const responseToOf = (message: Buffer): number => message.readInt32LE(8);

export function decodeOpMsg(message: Buffer): OpMsg {
  const flags = message.readUInt32LE(HEADER_BYTES);
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let offset = HEADER_BYTES + 4;
  let body: Document | undefined;
  const sequences: OpMsg['sequences'] = [];
  while (offset < end) {
    const kind = message[offset]!;
    offset += 1;
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      body = deserialize(message.subarray(offset, offset + size), AS_WRITTEN);
    } else if (kind === 1) {
      const idEnd = message.indexOf(0, offset + 4);
      const id = message.toString('utf8', offset + 4, idEnd);
      const documents: Document[] = [];
      for (let at = idEnd + 1; at < offset + size;) {
        const documentSize = message.readInt32LE(at);
        documents.push(deserialize(message.subarray(at, at + documentSize), AS_WRITTEN));
        at += documentSize;
      }
      sequences.push({ id, documents });
    } else {
      throw new Error(`OP_MSG section of unknown kind ${kind}`);
    }
    offset += size;
  }
  if (!body) throw new Error('OP_MSG without a body section');
  return { requestId: requestIdOf(message), responseTo: responseToOf(message), flags, body, sequences };
}

/** Encodes an OP_MSG, without a checksum (the flag is cleared: nothing is left to check). */
export function encodeOpMsg({ requestId, responseTo, flags, body, sequences }: OpMsg): Buffer {
  const sections: Uint8Array[] = [Buffer.from([0]), serialize(body)];
  for (const { id, documents } of sequences) {
    const name = Buffer.from(`${id}\0`, 'utf8');
    const encoded: Uint8Array[] = documents.map((document) => serialize(document));
    const header = Buffer.alloc(5);
    header[0] = 1;
    header.writeInt32LE(4 + name.length + encoded.reduce((sum, document) => sum + document.length, 0), 1);
    sections.push(header, name, ...encoded);
  }
  const payload = Buffer.concat(sections);
  const header = Buffer.alloc(HEADER_BYTES + 4);
  header.writeInt32LE(header.length + payload.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(flags & ~CHECKSUM_PRESENT, 16);
  return Buffer.concat([header, payload]);
}

/** The command a message carries: its body's first key (find, insert, update, ...). */
export const commandOf = (message: OpMsg): string => Object.keys(message.body)[0] ?? '';

/** A command's documents, from its body or from the sequence of that name (how drivers send batches). */
export function documentsOf(message: OpMsg, field: string): Document[] {
  const inline = message.body[field] as unknown;
  if (Array.isArray(inline)) return inline as Document[];
  return message.sequences.find((sequence) => sequence.id === field)?.documents ?? [];
}

/** The same message with a command's documents replaced, wherever they were. */
export function withDocuments(message: OpMsg, field: string, documents: Document[]): OpMsg {
  if (Array.isArray(message.body[field])) return { ...message, body: { ...message.body, [field]: documents } };
  return { ...message, sequences: message.sequences.map((sequence) => (sequence.id === field ? { id: field, documents } : sequence)) };
}
