import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MeridianError, TOPICS, isTransientCode } from '@meridian/contracts';
import { EventBus, GrpcClients, type ConsumedEvent } from '@meridian/platform';
import type { chatV1 } from '@meridian/proto';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import { afterCallbacksOf, type PayloadLookups } from './after-payloads';
import { AfterService } from './after.service';

/**
 * Turns the producers' events into after-callbacks. One consumer group per service (not per
 * instance): each event is handled once per region. The handler returns (and the offset is
 * committed) only after every callback of the event is delivered, durably queued or buried.
 */
@Injectable()
export class AfterConsumer implements OnModuleInit {
  private readonly logger = new Logger(AfterConsumer.name);
  private readonly lookups: PayloadLookups;

  constructor(
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(AfterService) private readonly after: AfterService,
    @Inject(GrpcClients) clients: GrpcClients,
  ) {
    this.lookups = {
      c2cUnread: (sdkAppId, account) =>
        clients
          .service<chatV1.ChatServiceClient>('chat')
          .getUnread({ sdkAppId, account, peers: [] })
          .then((r) => r.total)
          .catch(() => -1),
    };
  }

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'after',
      topics: [TOPICS.userState, TOPICS.c2cMessages, TOPICS.relationshipChanges, TOPICS.groupEvents],
      partitionsConcurrently: this.config.MERIDIAN_CALLBACK_PARTITIONS_CONCURRENTLY,
      handler: (e) => this.handle(e),
    });
  }

  private async handle({ envelope }: ConsumedEvent): Promise<void> {
    if (!envelope.sdkAppId) return;
    let app;
    try {
      app = await this.after.settings(envelope.sdkAppId);
    } catch (err) {
      // An app that is gone wants nothing; anything else (auth down) is retried by the bus.
      if (MeridianError.is(err) && !isTransientCode(err.code)) return;
      throw err;
    }
    if (!app) return;
    const callbacks = (await afterCallbacksOf(envelope, this.lookups)).filter((c) => app.commands.has(c.command));
    for (const c of callbacks) {
      await this.after.deliverNew(app, { callbackId: envelope.eventId, sdkAppId: envelope.sdkAppId, command: c.command, body: JSON.stringify(c.body), optPlatform: c.optPlatform, clientIp: c.clientIp });
    }
  }
}
