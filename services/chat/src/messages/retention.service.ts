import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Metrics, RedisClient } from '@meridian/platform';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';
import { ChatKeys } from '../chat.keys';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { MessagesRepository } from './messages.repository';

/**
 * Roaming retention: messages past their `expiresAt` are deleted, and so are conversation-list
 * entries whose last message is gone. One instance per region runs it at a time (a Redis lock
 * that expires on its own if the holder dies). Before a conversation's messages go, its highest
 * seq is kept as a floor, so a sequence rebuilt after a Redis loss never reuses a number.
 * (MongoDB TTL indexes would lose that floor, and FerretDB has none.)
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly purged: Counter;

  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(ConversationsRepository) private readonly conversations: ConversationsRepository,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.purged = new Counter({ name: 'meridian_chat_retention_purged_total', help: 'Documents removed by the retention job', labelNames: ['kind'], registers: [metrics.registry] });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce()
        .catch((err: unknown) => this.logger.error({ err }, 'retention run failed'))
        .finally(() => (this.running = undefined));
    }, this.config.MERIDIAN_CHAT_RETENTION_INTERVAL_S * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One run (when this instance gets the lock): returns what it removed. */
  async runOnce(): Promise<{ messages: number; conversations: number } | undefined> {
    const lockSeconds = Math.max(this.config.MERIDIAN_CHAT_RETENTION_INTERVAL_S, 60);
    const token = `${process.pid}:${Date.now()}`;
    if ((await this.redis.redis.set(ChatKeys.retentionLock(), token, 'EX', lockSeconds, 'NX')) !== 'OK') return undefined;
    const started = Date.now();
    let messages = 0;
    let conversations = 0;
    try {
      const now = new Date();
      for (;;) {
        const batch = await this.messages.expired(now, this.config.MERIDIAN_CHAT_RETENTION_BATCH);
        if (!batch.length) break;
        const floors = new Map<string, { sdkAppId: number; conversationId: string; seq: number }>();
        for (const m of batch) {
          const k = `${m.sdkAppId}:${m.conversationId}`;
          if ((floors.get(k)?.seq ?? 0) < m.seq) floors.set(k, { sdkAppId: m.sdkAppId, conversationId: m.conversationId, seq: m.seq });
        }
        for (const f of floors.values()) await this.messages.raiseFloor(f.sdkAppId, f.conversationId, f.seq);
        messages += await this.messages.deleteIds(batch.map((m) => m._id));
        if (batch.length < this.config.MERIDIAN_CHAT_RETENTION_BATCH) break;
      }
      for (;;) {
        const n = await this.conversations.purgeExpired(now, this.config.MERIDIAN_CHAT_RETENTION_BATCH);
        conversations += n;
        if (n < this.config.MERIDIAN_CHAT_RETENTION_BATCH) break;
      }
      await this.messages.purgeImportKeys(now);
    } finally {
      // Release only our own lock.
      await this.redis.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, ChatKeys.retentionLock(), token);
    }
    this.purged.inc({ kind: 'message' }, messages);
    this.purged.inc({ kind: 'conversation' }, conversations);
    if (messages || conversations) this.logger.log({ messages, conversations, ms: Date.now() - started }, 'retention purge');
    return { messages, conversations };
  }
}
