import { isIPv4, isIPv6 } from 'node:net';

/** The bucket of callers whose gateway did not say where they came from (internal callers). */
export const UNKNOWN_SOURCE = 'unknown';

/**
 * The failure-budget bucket of a client address: an IPv4 address itself (also when written as
 * IPv4-mapped IPv6, as a dual-stack listener reports it), an IPv6 address's /64 (one machine or
 * network usually holds a whole /64, so budgeting single IPv6 addresses would be no budget at all).
 */
export function failureSource(clientIp: string): string {
  const ip = clientIp.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return UNKNOWN_SOURCE;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::a.b.c.d forms) lies in the low 64 bits, which the /64 drops anyway.
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
