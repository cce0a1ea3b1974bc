import type { Context } from 'koa';

const LIMIT_BYTES = 64 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/** Reads and parses a JSON request body; never throws for what the client sent. */
export async function readJsonBody(ctx: Context, limitBytes = LIMIT_BYTES): Promise<JsonBody> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of ctx.req) {
      received += (chunk as Buffer).length;
      if (received > limitBytes) return { ok: false, reason: `the body exceeds ${limitBytes} bytes` };
      chunks.push(chunk as Buffer);
    }
  } catch {
    return { ok: false, reason: 'the body could not be read' };
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
}

/** The token of an `Authorization: Bearer` header, if any. */
export function bearerToken(ctx: Context): string | undefined {
  const match = /^Bearer\s+([^\s]+)\s*$/i.exec(ctx.get('authorization'));
  return match?.[1];
}
