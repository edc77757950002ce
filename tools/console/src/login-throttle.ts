
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

