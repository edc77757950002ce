import { BlockList, isIP } from 'node:net';

/**
 * Sign-in throttling by growing delays, never by a fixed lock-out.
 *
 * Two counters of recent failures, each with its own exponential delay:
 * - per (user, client address): after `perAddress.free` failures each further attempt waits
 *   base · 2^(failures − free), capped at `perAddress.maxMs`. This is what stops one guesser, and a
 *   legitimate operator who mistyped a few times waits seconds, not 15 minutes.
 * - per user, over every address: after `perUser.free` failures the same growth, capped low
 *   (`perUser.maxMs`, default 30 s). It bounds distributed guessing at about one try per cap per
 *   account, yet attackers elsewhere can hold a user off for at most that cap: the right password
 *   from the operator's own address works as soon as the delay has passed.
 * An attempt made while a delay runs is answered 429 without checking the password, so it neither
 * counts as a failure nor extends the delay (and gives a guesser nothing). Counters are forgotten
 * after `forgetMs` without failures, and a successful sign-in clears its (user, address) counter.
 * An address the user signed in from before (within `knownMs`) skips the per-user delay: an attacker
 * who times a failure for the moment each delay ends cannot starve an operator at their usual desk.
 * State is in memory: the console is one process, and a restart forgetting it is harmless.
 */
export interface ThrottlePolicy {
  perAddress: { free: number; baseMs: number; maxMs: number };
  perUser: { free: number; baseMs: number; maxMs: number };
  forgetMs: number;
  /** How long an address of a successful sign-in stays exempt from the per-user delay. */
  knownMs: number;
  /** Counters kept at most; the oldest go first (a spray of random user names cannot grow memory). */
  maxEntries: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  perAddress: { free: 5, baseMs: 1000, maxMs: 15 * 60_000 },
  perUser: { free: 20, baseMs: 1000, maxMs: 30_000 },
  forgetMs: 15 * 60_000,
  knownMs: 30 * 86_400_000,
  maxEntries: 10_000,
};

interface Counter {
  failures: number;
  lastFailureAt: number;
}

export class LoginThrottle {
  private readonly byAddress = new Map<string, Counter>();
  private readonly byUser = new Map<string, Counter>();
  /** `user\0address` → time of the last successful sign-in from there. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this attempt must still wait (0: go ahead and check the password). */
  waitMs(user: string, address: string): number {
    const t = this.now();
    const a = this.live(this.byAddress, `${user}\u0000${address}`, t);
    const knownAt = this.known.get(`${user}\u0000${address}`);
    const u = knownAt !== undefined && t - knownAt <= this.policy.knownMs ? undefined : this.live(this.byUser, user, t);
    return Math.max(this.remaining(a, this.policy.perAddress, t), this.remaining(u, this.policy.perUser, t));
  }

  failed(user: string, address: string): void {
    const t = this.now();
    this.bump(this.byAddress, `${user}\u0000${address}`, t);
    this.bump(this.byUser, user, t);
  }

  succeeded(user: string, address: string): void {
    const key = `${user}\u0000${address}`;
    this.byAddress.delete(key);
    this.known.delete(key);
    this.known.set(key, this.now());
    while (this.known.size > this.policy.maxEntries) this.known.delete(this.known.keys().next().value!);
  }

  private live(map: Map<string, Counter>, key: string, t: number): Counter | undefined {
    const c = map.get(key);
    if (c && t - c.lastFailureAt > this.policy.forgetMs) {
      map.delete(key);
      return undefined;
    }
    return c;
  }

  private remaining(c: Counter | undefined, p: { free: number; baseMs: number; maxMs: number }, t: number): number {
    if (!c || c.failures < p.free) return 0;
    const delay = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(c.failures - p.free, 40));
    return Math.max(0, c.lastFailureAt + delay - t);
  }

  private bump(map: Map<string, Counter>, key: string, t: number): void {
    const c = this.live(map, key, t);
    map.delete(key); // re-insert: Map order is then least recently failed first
    map.set(key, { failures: (c?.failures ?? 0) + 1, lastFailureAt: t });
    while (map.size > this.policy.maxEntries) map.delete(map.keys().next().value!);
  }
}

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
