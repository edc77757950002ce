/**
 * Every Redis key of the auth service (the client adds <region prefix>auth:). TTLs are given where
 * the key is written; each key here says why it expires.
 */
export const AuthKeys = {
  /** Hash loginId → session JSON. Expires with the session TTL, refreshed on login and heartbeat. */
  sessions: (sdkAppId: number, userId: string) => `sess:${sdkAppId}:${userId}`,
  /** Short lock serialising one user's logins (multi-device decisions). Expires after a few seconds. */
  loginLock: (sdkAppId: number, userId: string) => `lock:login:${sdkAppId}:${userId}`,
  /** Count of failed UserSig verifications of one identity in the current window. Expires with the window. */
  sigFailures: (sdkAppId: number, identifier: string) => `sigfail:${sdkAppId}:${identifier}`,
} as const;
