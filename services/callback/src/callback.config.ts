import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

export function loadCallbackConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      /** Timeout of one HTTP call when the app sets none (Tencent: 2 s). */
      MERIDIAN_CALLBACK_DEFAULT_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
      /** Calls in flight to one app's backend at once; more wait (before) or are queued for retry (after). */
      MERIDIAN_CALLBACK_APP_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
      /** Consecutive failures of one app's backend that open its circuit breaker. */
      MERIDIAN_CALLBACK_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
      /** How long an open breaker refuses calls before one probe is let through (half-open). */
      MERIDIAN_CALLBACK_BREAKER_OPEN_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
      /** Delivery attempts of one after-callback (the first included) before it is dead-lettered. */
      MERIDIAN_CALLBACK_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
      /** Backoff before the second attempt; doubles each time (with jitter) up to the cap. */
      MERIDIAN_CALLBACK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
      MERIDIAN_CALLBACK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
      /** How often each instance looks for due retries, and how many it takes per look. */
      MERIDIAN_CALLBACK_RETRY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
      MERIDIAN_CALLBACK_RETRY_BATCH: z.coerce.number().int().min(1).max(10_000).default(100),
      /** How long an app's callback settings (URL, commands, token) are cached. */
      MERIDIAN_CALLBACK_APP_CACHE_S: z.coerce.number().int().min(0).max(3600).default(10),
      /** Media worker: partitions of gateway.media-objects.v1 worked on at once (each resize takes a core). */
      MERIDIAN_MEDIA_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
      /** Largest picture (width × height) the worker decodes; bigger ones are refused undecoded (decompression bombs). */
      MERIDIAN_MEDIA_MAX_PIXELS: z.coerce.number().int().min(1_000_000).max(268_402_689).default(100_000_000),
      /** How long objects live (the bucket's expiry rule, set by the gateway): recall records last as long. */
      MERIDIAN_MEDIA_EXPIRE_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
      MERIDIAN_MEDIA_FFMPEG_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
      /** Partitions of the source topics worked on at once by one instance. */
      MERIDIAN_CALLBACK_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
    },
    env,
  );
}

export type CallbackConfig = ReturnType<typeof loadCallbackConfig>;
export const CALLBACK_CONFIG = Symbol('CALLBACK_CONFIG');
