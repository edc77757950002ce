import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { EventBus } from '@meridian/platform';
import { ConversationsService } from './conversations.service';

/**
 * Keeps conversation lists up to date from the C2C message events. The topic is keyed by
 * conversation, so one conversation's events arrive in order at exactly one consumer: the list
 * entries have a single writer per conversation and need no locks. Starts from the beginning
 * of retained history when the group is new, so nothing produced before the first start is missed.
 * Under load a fetched batch holds many messages: they are applied together, one write per list
 * entry (ConversationsService.applyStoredBatch) instead of one command per message.
 */
@Injectable()
export class ConversationsProjector implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(ConversationsService) private readonly conversations: ConversationsService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'conversations',
      topics: [TOPICS.c2cMessages],
      fromBeginning: true,
      partitionsConcurrently: 4,
      // A fetched batch at once: one write per conversation side for all of its messages.
      batchHandler: async (events) => {
        const stored = events.flatMap(({ envelope }) => (envelope.c2cMessageStored ? [{ sdkAppId: envelope.sdkAppId, event: envelope.c2cMessageStored }] : []));
        if (stored.length) await this.conversations.applyStoredBatch(stored);
      },
    });
  }
}
