import type { IncomingMessage } from 'node:http';

/** What the access log line of a request tells, gathered by whichever layer knows it. */
export interface RequestFacts {
  requestId?: string;
  /** The route's name or template, never the raw path with its values. */
  route?: string;
  clientId?: string;
}

const facts = new WeakMap<IncomingMessage, RequestFacts>();

export function requestFacts(request: IncomingMessage): RequestFacts {
  let found = facts.get(request);
  if (!found) {
    found = {};
    facts.set(request, found);
  }
  return found;
}
