import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

export function loadGroupConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      /** Groups one user may be in (Tencent: 500 on Pro, up to 3000). */
      MERIDIAN_GROUP_JOINED_MAX: z.coerce.number().int().min(1).max(100_000).default(500),
      /** Client messages per second per group (Tencent: 40); admin sends are exempt. */
      MERIDIAN_GROUP_MSG_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(40),
      /** Days group messages stay in roaming storage. */
      MERIDIAN_GROUP_ROAMING_DAYS: z.coerce.number().int().min(1).max(360).default(7),
      /** How often one group instance per region deletes messages past their roaming period. */
      MERIDIAN_GROUP_RETENTION_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(600),
      /** Expired messages removed per batch (a run repeats batches until none are left). */
      MERIDIAN_GROUP_RETENTION_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
      /** A member may recall their own message within this many seconds in apps that set no window of their own (owner/admins any time). */
      MERIDIAN_GROUP_RECALL_WINDOW_S: z.coerce.number().int().min(1).max(30 * 86_400).default(120),
      /** The longest auth's per-app settings (recall window) are trusted when auth's app-change events do not arrive. */
      MERIDIAN_GROUP_APP_CACHE_S: z.coerce.number().int().min(0).max(3600).default(30),
      /** A retry with the same Random from the same sender within this window is dropped. */
      MERIDIAN_GROUP_DEDUPE_S: z.coerce.number().int().min(1).max(86_400).default(300),
    },
    env,
  );
}

export type GroupConfig = ReturnType<typeof loadGroupConfig>;
export const GROUP_CONFIG = Symbol('GROUP_CONFIG');
