/**
 * Every Redis key of the auth service (the client adds <region prefix>auth:). TTLs are given where
 * the key is written; each key here says why it expires.
 */
export const AuthKeys = {
  /** Hash loginId → session JSON. Expires with the session TTL, refreshed on login and heartbeat. */
  sessions: (sdkAppId: number, userId: string) => `sess:${sdkAppId}:${userId}`,
  /** Short lock serialising one user's logins (multi-device decisions). Expires after a few seconds. */
  loginLock: (sdkAppId: number, userId: string) => `lock:login:${sdkAppId}:${userId}`,
  /** Failed UserSig checks caused by one source address (or IPv6 /64) in the current window. Expires with the window. */
  sourceFailures: (source: string) => `sigfail:src:${source}`,
  /** Failed UserSig checks of one identity, from any source, in the current window. Expires with the window. */
  identityFailures: (sdkAppId: number, identifier: string) => `sigfail:id:${sdkAppId}:${identifier}`,
  /**
   * The identity's revocation watermark (unix s; "0" = none), a cache of the sig_revocations
   * record in MongoDB: it expires (MERIDIAN_AUTH_REVOCATION_CACHE_TTL_S) and is refilled from there.
   */
  revokedBefore: (sdkAppId: number, identifier: string) => `revoked:${sdkAppId}:${identifier}`,
} as const;

/**
 * The key families named "<family>:<sdkAppId>…" that hold one app's data, removed when the app is
 * deleted: sessions, login locks, failure counters, revocation caches, and the per-app statistics
 * (libs/platform app-stats, "stats:<sdkAppId>:…").
 */
export const AUTH_KEY_FAMILIES = ['sess', 'lock:login', 'sigfail:id', 'revoked', 'stats'] as const;
