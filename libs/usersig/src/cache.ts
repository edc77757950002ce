import { verifyUserSig, type ExpectedUserSig, type UserSigClaims, type UserSigKeys } from './usersig';

export interface VerifiedSigCacheOptions {
  /** Upper bound on entries; the least recently used entry is evicted beyond it. */
  maxEntries: number;
  /** How long a verification result is reused, in milliseconds (also capped by the sig's own expiry). */
  ttlMs: number;
  /** Time source in epoch milliseconds (tests); defaults to Date.now. */
  clock?: () => number;
}

interface Entry {
  claims: UserSigClaims;
  /** Epoch ms from which the entry is no longer used (exclusive). */
  validUntilMs: number;
}

/**
 * Remembers successful verifications so that a client presenting the same UserSig again skips
 * base64 + inflate + JSON + HMAC/ECDSA. Keyed by the exact UserSig string, or by any string the
 * caller builds around it (e.g. `${sdkAppId}:${keyVersion}:${identifier}:${userSig}` so that a key
 * rotation misses). Only successes are stored; failures always take the full path.
 *
 * An entry lives until min(sig expiry, insert time + ttl). Sig expiry is inclusive of the
 * `expiresAt` second (a v2/v1 sig is valid while now <= time + expire), so the entry is usable
 * until (expiresAt + 1) * 1000 ms. Beyond `maxEntries` the least recently used entry is evicted.
 *
 * A cached result skips the key: when keys are not part of the cache key, call `clear()` after a
 * key rotation or revocation (or keep the ttl short). Different spellings of one sig
 * (percent-encoded, standard alphabet) are separate entries.
 */
export class VerifiedSigCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly clock: () => number;

  constructor(opts: VerifiedSigCacheOptions) {
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!Number.isFinite(opts.ttlMs) || opts.ttlMs < 0) throw new RangeError('ttlMs must be >= 0');
    this.maxEntries = opts.maxEntries;
    this.ttlMs = opts.ttlMs;
    this.clock = opts.clock ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Stored claims while the entry is within its window. With `match`, also requires the stored
   * SDKAppID and UserID to equal the caller's (a sig verified for one user must not admit another
   * when the key is the bare UserSig).
   */
  get(key: string, match?: { sdkAppId: number; identifier: string }): UserSigClaims | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.clock() >= entry.validUntilMs) {
      this.entries.delete(key);
      return undefined;
    }
    if (match !== undefined && (entry.claims.sdkAppId !== match.sdkAppId || entry.claims.identifier !== match.identifier)) {
      return undefined;
    }
    // Refresh recency: Map iteration follows insertion order, so the first key is the LRU one.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.claims;
  }

  /** Records a successful verification (the claims are stored as a frozen copy). */
  set(key: string, claims: UserSigClaims): void {
    const nowMs = this.clock();
    const validUntilMs = Math.min((claims.expiresAt + 1) * 1000, nowMs + this.ttlMs);
    this.entries.delete(key);
    if (validUntilMs <= nowMs) return;
    this.entries.set(key, { claims: Object.freeze({ ...claims }), validUntilMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  /**
   * Cache keyed by the exact UserSig: a hit for the same app and user, or else the full
   * `verifyUserSig` (which throws UserSigError) followed by `set`. `expected.now` defaults to the
   * cache's clock.
   */
  verify(userSig: string, expected: ExpectedUserSig, keys: UserSigKeys): UserSigClaims {
    const hit = this.get(userSig, expected);
    if (hit !== undefined) return hit;
    const now = expected.now ?? Math.floor(this.clock() / 1000);
    const claims = verifyUserSig(userSig, { sdkAppId: expected.sdkAppId, identifier: expected.identifier, now }, keys);
    this.set(userSig, claims);
    return claims;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
