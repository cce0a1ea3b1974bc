import type Provider from 'oidc-provider';

import type { ClientRecord, ClientStore } from '../storage/index.js';
import { forProvider } from './store-errors.js';

interface ClientFinder {
  find(id: unknown): Promise<unknown>;
}

/**
 * oidc-provider turns stored client metadata into a Client on every request, after hashing the
 * whole metadata (JSON, SHA-256) to find one it built before. The client store keeps each record
 * as one object until it changes, so the Client built from that object is reused as long as the
 * store hands out the same object: no serialisation, no hashing on the hot path.
 */
export function reuseClientInstances(provider: Provider, records: ClientStore, maxInstances: number): void {
  const Client = provider.Client as unknown as ClientFinder;
  const build = Client.find.bind(Client);
  const built = new Map<string, { record: ClientRecord; client: unknown }>();
  Client.find = async (id: unknown) => {
    if (typeof id !== 'string' || id === '') return build(id);
    const record = await forProvider(() => records.find(id));
    const reusable = record && built.get(id);
    if (reusable && reusable.record === record) return reusable.client;
    const client = await build(id);
    if (!record || !client) {
      built.delete(id);
      return client;
    }
    if (built.size >= maxInstances && !built.has(id)) built.delete(built.keys().next().value!);
    built.set(id, { record, client });
    return client;
  };
}
