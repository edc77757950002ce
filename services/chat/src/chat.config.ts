import { z } from 'zod';
import { serviceEnv } from '@meridian/platform';

export function loadChatConfig(env: NodeJS.ProcessEnv = process.env) {
  return serviceEnv(
    {
      /** Roaming/offline retention of apps that set none, when the sender gives none (Tencent: 7 days). */
      MERIDIAN_CHAT_DEFAULT_LIFETIME_S: z.coerce.number().int().min(1).max(360 * 86_400).default(604_800),
      /** A retry with the same MsgRandom from the same sender within this window returns the first result. */
      MERIDIAN_CHAT_DEDUPE_S: z.coerce.number().int().min(1).max(86_400).default(300),
      /** How long a sender may recall a message in apps that set no window of their own (Tencent: 2 minutes); admins have no limit. */
      MERIDIAN_CHAT_RECALL_WINDOW_S: z.coerce.number().int().min(1).max(30 * 86_400).default(120),
      /** The longest per-app settings (roaming period, recall window) are trusted when auth's app-change events do not arrive. */
      MERIDIAN_CHAT_APP_CACHE_S: z.coerce.number().int().min(0).max(3600).default(30),
      /**
       * The longest a cached answer of auth or relationship (account exists, app-wide mute,
       * blacklist) is trusted when their change events do not arrive; events apply at once.
       */
      MERIDIAN_CHAT_CACHE_TTL_S: z.coerce.number().int().min(1).max(3600).default(30),
      /** Entries per such cache (least recently used go first). */
      MERIDIAN_CHAT_CACHE_ENTRIES: z.coerce.number().int().min(100).max(10_000_000).default(200_000),
      MERIDIAN_CHAT_PAGE_MAX: z.coerce.number().int().min(1).max(1000).default(100),
      /** Unread counts stop at this many per conversation (Tencent keeps 250 unread per conversation). */
      MERIDIAN_CHAT_UNREAD_MAX: z.coerce.number().int().min(1).max(100_000).default(1000),
      /** A user's conversation list keeps the most recent this many (Tencent: 100, up to 500). */
      MERIDIAN_CHAT_CONVERSATIONS_MAX: z.coerce.number().int().min(1).max(10_000).default(100),
      /** Conversations per page of recentcontact/get_list. */
      MERIDIAN_CHAT_CONVERSATION_PAGE: z.coerce.number().int().min(1).max(1000).default(100),
      /** How often one chat instance per region purges messages past their retention. */
      MERIDIAN_CHAT_RETENTION_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(600),
      /** Expired messages removed per batch (a run repeats batches until none are left). */
      MERIDIAN_CHAT_RETENTION_BATCH: z.coerce.number().int().min(1).max(100_000).default(1000),
    },
    env,
  );
}

export type ChatConfig = ReturnType<typeof loadChatConfig>;
export const CHAT_CONFIG = Symbol('CHAT_CONFIG');
