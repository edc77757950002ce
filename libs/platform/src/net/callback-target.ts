import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where an app's callback URL may not lead unless an operator allows it for that app: every address
 * that is not the public internet. Otherwise a callback URL (or a name that resolves, or later
 * re-resolves, to such an address) makes the platform POST into its own network: the metadata
 * service at 169.254.169.254, Redis on 127.0.0.1, a pod at 10.x.
 */
const V4_RANGES: [string, number][] = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];
const V6_RANGES: [string, number][] = [
  ['::', 96], // unspecified, loopback ::1, IPv4-compatible
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

function v4Hex(ip: string): [string, string] {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  const h = (x: number, y: number) => ((x << 8) | y).toString(16);
  return [h(a, b), h(c, d)];
}

const BLOCKED = new BlockList();
for (const [net, bits] of V4_RANGES) {
  // BlockList matches IPv4-mapped IPv6 (::ffff:a.b.c.d) against these IPv4 rules by itself.
  BLOCKED.addSubnet(net, bits, 'ipv4');
  const [hi, lo] = v4Hex(net);
  // The same ranges embedded in IPv6 forms that a host may route to IPv4: NAT64 and 6to4.
  BLOCKED.addSubnet(`64:ff9b::${hi}:${lo}`, 96 + bits, 'ipv6');
  BLOCKED.addSubnet(`2002:${hi}:${lo}::`, 16 + bits, 'ipv6');
}
for (const [net, bits] of V6_RANGES) BLOCKED.addSubnet(net, bits, 'ipv6');

/** Whether an IP address (v4 or v6, any textual form Node accepts) is loopback, private, link-local or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return true; // not an address at all: refuse rather than guess
  return BLOCKED.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/** A callback target refused by the private-address policy (or one that cannot be resolved). */
export class CallbackTargetError extends Error {
  override readonly name = 'CallbackTargetError';
}

export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

const systemLookupAll: LookupAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

function refusal(host: string, address: string): CallbackTargetError {
  const via = host === address ? '' : ` (resolves to ${address})`;
  return new CallbackTargetError(
    `callback host ${host}${via} is a loopback, private, link-local or otherwise non-public address; allow private callback targets for this app to use it`,
  );
}

/**
 * Checks a callback URL against the policy: an http(s) URL whose host (a literal, or every address
 * the name resolves to now) is public, unless `allowPrivate`. Throws CallbackTargetError. Used when
 * the URL is saved; the senders check again at connect time with `guardedLookup` (DNS changes).
 */
export async function checkCallbackTarget(url: string | URL, allowPrivate: boolean, lookupAll: LookupAll = systemLookupAll): Promise<void> {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    throw new CallbackTargetError('callback URL is not a valid URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CallbackTargetError('callback URL must be http:// or https://');
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new CallbackTargetError('callback URL has no host');
  if (allowPrivate) return;
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refusal(host, host);
    return;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await lookupAll(host);
  } catch (err) {
    throw new CallbackTargetError(`callback host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
  }
  if (!addresses.length) throw new CallbackTargetError(`callback host ${host} does not resolve`);
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refusal(host, bad.address);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request / net.connect that resolves the name and refuses the connection
 * when any address it resolves to is private (unless `allowPrivate`): the check happens on the very
 * addresses the socket then uses, so a name re-pointed at 127.0.0.1 after it was saved (DNS
 * rebinding) is caught at send time. IP literals never reach a lookup: check them with
 * checkCallbackTarget first.
 */
export function guardedLookup(allowPrivate: boolean, lookupAll: LookupAll = systemLookupAll) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookupAll(hostname).then(
      (all) => {
        const family = typeof options.family === 'number' ? options.family : 0;
        const usable = family ? all.filter((a) => a.family === family) : all;
        if (!usable.length) {
          const err: NodeJS.ErrnoException = new Error(`callback host ${hostname} has no IPv${family || ''} address`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        const bad = allowPrivate ? undefined : all.find((a) => isPrivateAddress(a.address));
        if (bad) {
          const err: NodeJS.ErrnoException = refusal(hostname, bad.address);
          err.code = 'EPRIVATETARGET';
          return callback(err, '');
        }
        if (options.all) return callback(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
