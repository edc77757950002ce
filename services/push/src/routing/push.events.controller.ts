import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { EventBus, GrpcClients } from '@meridian/platform';
import type { gatewayV1 } from '@meridian/proto';
import { PUSH_CONFIG, type PushConfig } from '../push.config';
import { BroadcastService } from '../broadcast/broadcast.service';
import { DeliveryRouter } from './delivery-router.service';

/**
 * Push's Kafka face: deliveries to route, and kicked sessions to close on the exact gateway
 * instance that holds them. Offsets are committed only after a record is handled (at least once).
 */
@Injectable()
export class PushEventsController implements OnModuleInit {
  private readonly logger = new Logger(PushEventsController.name);

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(DeliveryRouter) private readonly router: DeliveryRouter,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(BroadcastService) private readonly broadcasts: BroadcastService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'deliveries',
      topics: [TOPICS.deliveries],
      partitionsConcurrently: this.config.MERIDIAN_PUSH_PARTITIONS_CONCURRENTLY,
      keyConcurrency: this.config.MERIDIAN_PUSH_KEY_CONCURRENCY,
      handler: async ({ envelope }) => {
        if (!envelope.deliveryRequested) return;
        await this.router.route(envelope.eventId, envelope.sdkAppId, envelope.deliveryRequested);
      },
    });
    // A consumer group of its own, so long paced broadcasts never hold up ordinary deliveries.
    this.bus.subscribe({
      name: 'broadcasts',
      topics: [TOPICS.broadcasts],
      handler: async ({ envelope, heartbeat }) => {
        if (envelope.broadcastRequested) await this.broadcasts.run(envelope.broadcastRequested.taskId, heartbeat);
      },
    });
    this.bus.subscribe({
      name: 'kicks',
      topics: [TOPICS.sessionKicked],
      partitionsConcurrently: this.config.MERIDIAN_PUSH_PARTITIONS_CONCURRENTLY,
      handler: async ({ envelope }) => {
        const k = envelope.sessionKicked;
        if (!k?.gatewayAddress) return;
        try {
          await this.clients
            .instance<gatewayV1.GatewayServiceClient>('gateway', k.gatewayAddress, k.gatewayRegion)
            .closeSession({ loginId: k.loginId, connectionId: k.connectionId, reason: k.reason });
        } catch (err) {
          // The gateway is gone, and the connection with it: nothing left to close.
          this.logger.warn({ gateway: k.gatewayAddress, error: (err as Error).message }, 'could not reach gateway to close a kicked session');
        }
      },
    });
  }
}
