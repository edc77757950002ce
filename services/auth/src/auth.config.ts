import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

/** The auth service's own settings (house rule 13: limits and TTLs are config with defaults). */
export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      MERIDIAN_AUTH_APP_CACHE_TTL_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
      MERIDIAN_AUTH_LOCATE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
      MERIDIAN_AUTH_SIG_CACHE_MAX: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
      MERIDIAN_AUTH_SIG_CACHE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
      /**
       * Failed UserSig checks a source address may cause per window; past it, its failures are
       * answered 70050 and no expensive check (ECDSA, long sigs) is run for it. Valid sigs still pass.
       */
      MERIDIAN_AUTH_SOURCE_FAILURE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(20),
      /** Failed checks of one identity (from any source) per window past which its failures are slowed. */
      MERIDIAN_AUTH_IDENTITY_FAILURE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(20),
      MERIDIAN_AUTH_FAILURE_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
      /** How long a failed check of an identity under attack waits before it is answered. */
      MERIDIAN_AUTH_FAILURE_DELAY_MS: z.coerce.number().int().min(0).max(5000).default(250),
      /** Life of the Redis copy of a revocation watermark (the record itself is in MongoDB). */
      MERIDIAN_AUTH_REVOCATION_CACHE_TTL_S: z.coerce.number().int().min(1).max(86_400).default(3600),
      /** A session ends unless its gateway touches it within this time (gateways touch every 30 s). */
      MERIDIAN_AUTH_SESSION_TTL_S: z.coerce.number().int().min(2).max(86_400).default(90),
      /** How often counts gathered from events (messages, logins, group changes) are written to Redis. */
      MERIDIAN_AUTH_STATS_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
      MERIDIAN_AUTH_DEFAULT_SIG_EXPIRE_S: z.coerce.number().int().min(60).max(10 * 365 * 86_400).default(15_552_000),
    },
    env,
  );
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');
