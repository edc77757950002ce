import { BlockList, isIP } from 'node:net';

/**
 * Which address a request comes from, behind reverse proxies: one rule for every listener that
 * limits per address (the gateway's REST and WebSocket faces, the console's sign-in).
 */
/** Normalises an address as sockets report it (::ffff:127.0.0.1 → 127.0.0.1). */
export function normaliseAddress(address: string): string {
  const a = address.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a.toLowerCase();
}

/** Trusted reverse proxies as IP addresses and CIDR ranges ("10.0.0.5", "10.1.0.0/16", "::1"). */
export function trustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    // "a, b," and an empty setting (no proxies) leave empty entries: nothing to trust there.
    if (!raw.trim()) continue;
    const [ip, bits] = raw.trim().split('/') as [string, string | undefined];
    const family = isIP(ip);
    if (!family) throw new Error(`trusted proxy ${JSON.stringify(raw)} is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(ip, type);
    else {
      const n = Number(bits);
      if (!/^\d+$/.test(bits) || n > (family === 4 ? 32 : 128)) throw new Error(`trusted proxy ${JSON.stringify(raw)}: bad prefix length`);
      list.addSubnet(ip, n, type);
    }
  }
  return list;
}

const trusted = (list: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
};

/**
 * The client's address: the socket's peer, unless that peer is a trusted proxy, in which case the
 * forwarding header is read right to left: each hop appends the address it received the request
 * from, so the rightmost entry not itself a trusted proxy is the first one no trusted party vouches
 * past, i.e. the client. Entries to its left were written by the client and are ignored (a client
 * can put anything there). A malformed entry where the client should be falls back to the
 * nearest trusted hop rather than to a value an attacker chose.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, proxies: BlockList): string {
  let current = normaliseAddress(peer ?? '');
  if (!trusted(proxies, current) || forwardedFor === undefined) return current;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normaliseAddress(h))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!isIP(hop)) return current;
    current = hop;
    if (!trusted(proxies, hop)) return hop;
  }
  return current;
}
