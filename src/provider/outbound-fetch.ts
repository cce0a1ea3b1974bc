import type { OutboundFetchConfig } from '../configuration/types.js';

/** oidc-provider's `fetch` option: how it fetches a URL it was given (options carry its dispatcher). */
export type ProviderFetch = (url: string | URL, options: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

/**
 * How the provider fetches what a client points at (its jwks_uri, its sector_identifier_uri).
 * oidc-provider hands every fetch a dispatcher of its own that refuses special-use addresses;
 * that stays unless `outboundFetch.allowPrivateAddresses` says clients live on an internal network
 * (or a test rig on localhost), when the fetch goes through the process's default dispatcher instead.
 */
export function clientResourceFetch(config: OutboundFetchConfig): ProviderFetch {
  if (!config.allowPrivateAddresses) return (url, options) => globalThis.fetch(url, options);
  return (url, { dispatcher: _guarded, ...options }) => globalThis.fetch(url, options);
}
