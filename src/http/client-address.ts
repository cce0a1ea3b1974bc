import { BlockList, isIP } from 'node:net';

/** Which proxies' forwarding header names the client (only a request from one of their addresses is believed). */
export interface TrustedProxiesConfig {
  header: 'x-forwarded-for' | 'forwarded' | 'x-real-ip';
  addresses: string[];
}

type ForwardedHeader = TrustedProxiesConfig['header'];

/** The address of the client a request comes from, given the socket's peer and the request's headers. */
export type ClientAddressResolver = (peer: string, header: (name: string) => string) => string;

/** `::ffff:192.0.2.1` is 192.0.2.1; brackets and an IPv6 zone are dropped. */
export function normalizeAddress(address: string): string {
  let value = address.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(value);
  if (mapped) value = mapped[1]!;
  return value;
}

/** The eight 16-bit groups of an IPv6 address (with '::' expanded and an embedded IPv4 converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key clients are counted under for rate limiting: an IPv4 address as is, an IPv6 address by
 * its /64 network (one subscriber usually holds a whole /64, so counting single addresses would
 * let it rotate through 2^64 of them).
 */
export function rateLimitKey(address: string): string {
  const normalized = normalizeAddress(address);
  if (isIP(normalized) !== 6) return normalized;
  const groups = ipv6Groups(normalized).slice(0, 4).map((group) => group.toString(16));
  return `${groups.join(':')}::/64`;
}

function addressList(addresses: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of addresses) {
    const [address, prefix] = entry.split('/');
    const normalized = normalizeAddress(address!);
    const family = isIP(normalized) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(normalized, family);
    else list.addSubnet(normalized, Number(prefix), family);
  }
  return list;
}

/** Addresses a proxy header lists, nearest proxy last (the order proxies append in). */
function forwardedChain(header: ForwardedHeader, value: string): string[] {
  if (value === '') return [];
  if (header === 'x-real-ip') return [value];
  if (header === 'x-forwarded-for') return value.split(',').map((entry) => entry.trim());
  // RFC 7239: for=192.0.2.43, for="[2001:db8:cafe::17]:4711"
  return value.split(',').flatMap((element) => {
    const match = /(?:^|;)\s*for\s*=\s*("[^"]*"|[^;,\s]*)/i.exec(element);
    if (!match) return [];
    const node = match[1]!.replace(/^"|"$/g, '');
    const bracketed = /^\[([^\]]+)\]/.exec(node);
    return [bracketed ? bracketed[1]! : node.replace(/:\d+$/, '')];
  });
}

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy; then the nearest
 * address in the proxies' header that is not itself a trusted proxy. Nothing a client writes in
 * a header is believed unless it reached us through a proxy we trust.
 */
export function createClientAddressResolver(trusted: TrustedProxiesConfig | undefined): ClientAddressResolver {
  if (!trusted || trusted.addresses.length === 0) return (peer) => normalizeAddress(peer);
  const proxies = addressList(trusted.addresses);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (peer, header) => {
    let client = normalizeAddress(peer);
    if (!isTrusted(client)) return client;
    const chain = forwardedChain(trusted.header, header(trusted.header)).map(normalizeAddress);
    for (let index = chain.length - 1; index >= 0; index -= 1) {
      const hop = chain[index]!;
      if (isIP(hop) === 0) break;
      client = hop;
      if (!isTrusted(hop)) break;
    }
    return client;
  };
}
