import type { Context } from 'koa';

import { ApiError } from './api-error.js';
import { assertWithinDeadline } from './deadline.js';

/** A sign-in or consent form is a few hundred bytes; nothing larger is read by default. */
export const MAX_FORM_BYTES = 8 * 1024;

/** Reads an application/x-www-form-urlencoded body, bounded (maxBytes) before it is parsed. */
export async function readFormBody(ctx: Context, maxBytes = MAX_FORM_BYTES): Promise<URLSearchParams> {
  const mediaType = ctx.get('content-type').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') {
    throw new ApiError('invalid_request', 'the form must be sent as application/x-www-form-urlencoded', 415);
  }
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) throw new ApiError('invalid_request', `the form exceeds ${maxBytes} bytes`, 413, { Connection: 'close' });
    chunks.push(chunk as Buffer);
  }
  assertWithinDeadline(ctx);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** One value of a form field: absent, or given once (a repeated field is a forged form). */
export function formValue(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new ApiError('invalid_request', `${name}: given more than once`);
  return values[0];
}
