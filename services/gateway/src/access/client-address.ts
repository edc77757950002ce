import { BlockList, isIP } from 'node:net';

/**
 * The address a request really comes from. Behind a reverse proxy or ingress every peer is the
 * proxy, so per-address limits would lump all clients together; the proxy's X-Forwarded-For is
 * believed only when the peer is a configured trusted proxy, and read from the right: the first
 * address that is not itself a trusted proxy is the client (what a client writes at the left is
 * forgeable).
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `cidrs`: comma-separated addresses or CIDRs (MERIDIAN_TRUSTED_PROXIES); empty trusts no one. */
  constructor(cidrs: string) {
    const entries = cidrs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const [addr, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(addr);
      if (!family) throw new Error(`MERIDIAN_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an address or CIDR`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.trusted.addAddress(addr, type);
      else this.trusted.addSubnet(addr, Number(bits), type);
    }
    this.any = entries.length > 0;
  }

  isTrusted(address: string): boolean {
    const plain = unmapped(address);
    const family = isIP(plain);
    return this.any && family !== 0 && this.trusted.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** The client's address for a connection from `peer` carrying `forwardedFor` (the header's value). */
  resolve(peer: string, forwardedFor: string | string[] | undefined): string {
    const direct = unmapped(peer);
    if (!this.isTrusted(direct) || !forwardedFor) return direct;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((s) => unmapped(s.trim()))
      .filter((s) => isIP(s) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!this.isTrusted(hops[i]!)) return hops[i]!;
    return hops[0] ?? direct;
  }
}

/** `::ffff:10.0.0.1` is 10.0.0.1. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
