import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { LockedJob, Metrics, RedisClient, purgeExpired } from '@meridian/platform';
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
  private readonly purged: Counter;
  private readonly job: LockedJob;

  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(ConversationsRepository) private readonly conversations: ConversationsRepository,
    @Inject(RedisClient) redis: RedisClient,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.purged = new Counter({ name: 'meridian_chat_retention_purged_total', help: 'Documents removed by the retention job', labelNames: ['kind'], registers: [metrics.registry] });
    this.job = new LockedJob(redis.redis, ChatKeys.retentionLock(), config.MERIDIAN_CHAT_RETENTION_INTERVAL_S, this.logger, () => this.purge());
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** One run of the holder of the lock. */
  private async purge(): Promise<void> {
    const started = Date.now();
    let conversations = 0;
    const now = new Date();
    const messages = await purgeExpired(
      {
        expired: (limit) => this.messages.expired(now, limit),
        streamOf: (m) => `${m.sdkAppId}:${m.conversationId}`,
        raiseFloor: (m) => this.messages.raiseFloor(m.sdkAppId, m.conversationId, m.seq),
        deleteIds: (ids) => this.messages.deleteIds(ids),
      },
      this.config.MERIDIAN_CHAT_RETENTION_BATCH,
    );
    for (;;) {
      const n = await this.conversations.purgeExpired(now, this.config.MERIDIAN_CHAT_RETENTION_BATCH);
      conversations += n;
      if (n < this.config.MERIDIAN_CHAT_RETENTION_BATCH) break;
    }
    await this.messages.purgeImportKeys(now);
    this.purged.inc({ kind: 'message' }, messages);
    this.purged.inc({ kind: 'conversation' }, conversations);
    if (messages || conversations) this.logger.log({ messages, conversations, ms: Date.now() - started }, 'retention purge');
  }
}
