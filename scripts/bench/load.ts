// Load generation: autocannon in this process, one fixed request at a given number of connections.
import autocannon from 'autocannon';

import { loadHeaders, type ClientCredentials, type LoadRequest } from './requests.js';
import type { RunningServer } from './servers.js';

export interface LoadResult {
  result: autocannon.Result;
  /** Request errors by code (ECONNREFUSED, ...). */
  errorKinds: Map<string, number>;
}

export async function generateLoad(
  server: RunningServer, client: ClientCredentials, request: LoadRequest, seconds: number, connections: number,
): Promise<LoadResult> {
  const errorKinds = new Map<string, number>();
  const instance = autocannon({
    url: `${server.url}${request.path}`,
    method: 'POST',
    headers: loadHeaders(client),
    body: new URLSearchParams(request.form).toString(),
    connections,
    duration: seconds,
  });
  // autocannon's result only counts errors; which ones they were tells a refused connection from a timeout.
  instance.on('reqError', (error: NodeJS.ErrnoException) => {
    const kind = error.code ?? error.message;
    errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  });
  return { result: await instance, errorKinds };
}
