import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

import type { KoaContextWithOIDC } from 'oidc-provider';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ProviderFetch } from './outbound-fetch.js';

import type { ClientIdMetadataDocumentsConfig } from '../configuration/index.js';
import { applyPolicy, type RegistrationPolicy } from '../registration/index.js';
import { EXTRA_CLIENT_METADATA } from './client-metadata.js';

/**
 * OAuth Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, which the MCP
 * authorization specification asks for): a client whose client_id is an HTTPS URL, whose metadata
 * the server fetches from that URL. oidc-provider fetches (https only, no redirects, bounded body
 * and time, cached within cacheDuration); here is what it may fetch and which clients it keeps:
 *
 *   - only from hosts the configuration trusts (exact names, or *.suffix);
 *   - never from private, loopback or link-local addresses unless the configuration allows them;
 *   - only clients whose metadata fits the configured registration policy, as a registration would.
 */

/**
 * Addresses a metadata document is never fetched from unless allowed: every range of IANA's IPv4
 * and IPv6 Special-Purpose Address Registries (RFC 6890 and its updates), and multicast.
 */
const SPECIAL_PURPOSE_IPV4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.31.196.0', 24], ['192.52.193.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['192.175.48.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const SPECIAL_PURPOSE_IPV6: readonly (readonly [string, number])[] = [
  // Unspecified, loopback and the deprecated IPv4-compatible addresses (::/96). An IPv4-mapped
  // address (::ffff:0:0/96) is checked against the IPv4 ranges by BlockList itself (a rule for the
  // whole of it would match every IPv4 address).
  ['::', 96],
  // IPv4/IPv6 translation (RFC 6052, RFC 8215), discard-only (RFC 6666) and dummy (RFC 9780) prefixes.
  ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['100:0:0:1::', 64],
  // IETF protocol assignments (Teredo 2001::/32, benchmarking, AMT, AS112, ORCHID, DRIP), documentation, 6to4.
  ['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['2620:4f:8000::', 48], ['3fff::', 20],
  // Segment routing SIDs (RFC 9602), unique local, link-local, the deprecated site-local, multicast.
  ['5f00::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];
const PRIVATE_ADDRESSES = new BlockList();
for (const [network, prefix] of SPECIAL_PURPOSE_IPV4) PRIVATE_ADDRESSES.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of SPECIAL_PURPOSE_IPV6) PRIVATE_ADDRESSES.addSubnet(network, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE_ADDRESSES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function hostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const name = host.toLowerCase();
  return allowedHosts.some((allowed) => {
    const pattern = allowed.toLowerCase();
    return pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern;
  });
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** DNS resolution that refuses names resolving to a private address (no fetch reaches the inside through DNS). */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const list = addresses as LookupAddress[];
    const refused = list.find((entry) => isPrivateAddress(entry.address));
    if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), []);
    if (options.all) return callback(null, list);
    return callback(null, list[0]!.address, list[0]!.family);
  });
}

/** Approvals not followed by a fetch (the document was cached meanwhile) are forgotten past this many. */
const MAX_APPROVED = 1_000;

interface ProviderClientLike {
  metadata(): Record<string, unknown>;
}

/** oidc-provider's features.clientIdMetadataDocument and, when needed, its fetch. */
export function clientIdMetadataDocuments(
  config: ClientIdMetadataDocumentsConfig,
  policy: RegistrationPolicy,
  otherFetches: ProviderFetch,
) {
  /** Document URLs allowFetch just let through: the only fetches that get the dispatcher below. */
  const approvedDocuments = new Set<string>();
  const feature = {
    enabled: config.enabled,
    ack: 'draft-02',
    allowFetch(_ctx: KoaContextWithOIDC, clientId: string): boolean {
      const url = URL.parse(clientId);
      if (!url) return false;
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (!hostAllowed(url.hostname, config.allowedHosts)) return false;
      if (!config.allowPrivateAddresses && isPrivateAddress(host)) return false;
      approvedDocuments.add(clientId);
      if (approvedDocuments.size > MAX_APPROVED) approvedDocuments.delete(approvedDocuments.values().next().value!);
      return true;
    },
    allowClient(_ctx: KoaContextWithOIDC, client: ProviderClientLike): boolean {
      const metadata = client.metadata();
      // What only an administrator sets (first_party, profile, allowed_resources, ...) or vouches
      // for (software_id) is never taken from a document its client wrote itself.
      if (EXTRA_CLIENT_METADATA.some((field) => metadata[field] !== undefined)) return false;
      // A document identifies an app that signs people in, never a machine acting on its own.
      const grantTypes = Array.isArray(metadata.grant_types) ? metadata.grant_types : [];
      if (grantTypes.includes('client_credentials')) return false;
      try {
        applyPolicy(metadata, policy);
        return true;
      } catch {
        return false;
      }
    },
    cacheDuration: { min: config.minCacheSeconds, max: config.maxCacheSeconds },
  };

  // With the defaults, oidc-provider's own fetch (global fetch, its SSRF guard) is used. Extra CAs
  // or private addresses need a dispatcher of our own, which keeps the DNS guard unless allowed.
  const needsOwnDispatcher = config.trustedCertificates !== undefined || config.allowPrivateAddresses;
  const dispatcher = needsOwnDispatcher
    ? new Agent({
      connect: {
        ...(config.trustedCertificates === undefined ? {} : { ca: [...rootCertificates, config.trustedCertificates] }),
        ...(config.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup }),
      },
    })
    : undefined;
  // The document fetches allowFetch approved follow this section's settings alone (its own
  // dispatcher, or oidc-provider's guarded one as handed over): outboundFetch never loosens them.
  // Every other fetch (a client's jwks_uri, even on an allowed host) is the outbound fetch's.
  const fetch: ProviderFetch = (url, options) => {
    if (!approvedDocuments.delete(String(url))) return otherFetches(url, options);
    if (!dispatcher) return globalThis.fetch(url, options);
    return undiciFetch(url, { ...(options as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>;
  };
  return { feature, fetch };
}
