import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

export function loadPushConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      /** How long a gateway waits for client acks of one batch. */
      MERIDIAN_PUSH_ACK_TIMEOUT_MS: z.coerce.number().int().min(10).max(60_000).default(5000),
      /** Re-sends of a delivery the client did not ack (it also re-syncs by seq on reconnect). */
      MERIDIAN_PUSH_RETRIES: z.coerce.number().int().min(0).max(20).default(2),
      MERIDIAN_PUSH_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
      /** Deliveries per Deliver call to one gateway instance. */
      MERIDIAN_PUSH_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
      MERIDIAN_PUSH_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
      /**
       * Conversations (record keys) of one partition routed at once; one conversation's records
       * stay in order. Routing waits for client acks, so one at a time capped cross-region
       * delivery at ~30/s per home region.
       */
      MERIDIAN_PUSH_KEY_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
      /** Broadcast pacing: recipients per second, so ordinary traffic is never starved. */
      MERIDIAN_PUSH_BROADCAST_RATE: z.coerce.number().int().min(1).max(1_000_000).default(2000),
      MERIDIAN_PUSH_BROADCAST_PAGE: z.coerce.number().int().min(1).max(1000).default(200),
      /** Tencent's default quota: 100 pushes to all users per app per day. */
      MERIDIAN_PUSH_BROADCASTS_PER_DAY: z.coerce.number().int().min(1).max(1_000_000).default(100),
    },
    env,
  );
}

export type PushConfig = ReturnType<typeof loadPushConfig>;
export const PUSH_CONFIG = Symbol('PUSH_CONFIG');
