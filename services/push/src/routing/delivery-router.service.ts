import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { GrpcClients, Metrics } from '@meridian/platform';
import { gatewayV1, type authV1, type pushEventsV1 } from '@meridian/proto';
import { OfflinePushService } from '../offline/offline-push.service';
import { PUSH_CONFIG, type PushConfig } from '../push.config';

type Session = authV1.Session;

export interface RouteOutcome {
  acked: number;
  unacked: number;
  offline: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Routes one delivery to exactly the gateway instances that hold the recipients' sessions (found
 * in this home region's session registry), batched per instance; no broadcast. Unacked deliveries
 * are re-sent with backoff; recipients with no session are offline.
 */
@Injectable()
export class DeliveryRouter {
  private readonly logger = new Logger(DeliveryRouter.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @Inject(PUSH_CONFIG) private readonly config: PushConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(OfflinePushService) private readonly offlinePush: OfflinePushService,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.outcomes = new Counter({
      name: 'meridian_push_deliveries_total',
      help: 'Per-device deliveries by outcome (acked, unacked after retries, offline recipient)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  async route(eventId: string, sdkAppId: number, event: pushEventsV1.DeliveryRequestedEvent): Promise<RouteOutcome> {
    const recipients = [...new Set(event.recipients)];
    const { sessions } = await this.clients.service<authV1.AuthServiceClient>('auth').getSessions({ sdkAppId, userIds: recipients });
    const targets = sessions.filter((s) => s.loginId !== event.excludeLoginId);
    const online = new Set(sessions.map((s) => s.userId));
    const offline = recipients.filter((r) => !online.has(r));
    let pending = targets.map((s) => this.toDelivery(eventId, sdkAppId, s, event));
    let acked = 0;
    for (let attempt = 0; pending.length && attempt <= this.config.MERIDIAN_PUSH_RETRIES; attempt++) {
      if (attempt > 0) await sleep(this.config.MERIDIAN_PUSH_RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
      const results = await this.sendAll(pending, targets);
      acked += results.filter((r) => r.status === gatewayV1.DeliveryStatus.DELIVERY_STATUS_ACKED).length;
      // A connection that is gone will not come back under the same id: the client re-syncs by seq.
      const retry = new Set(results.filter((r) => r.status === gatewayV1.DeliveryStatus.DELIVERY_STATUS_TIMEOUT).map((r) => r.deliveryId));
      pending = pending.filter((d) => retry.has(d.deliveryId));
    }
    this.outcomes.inc({ outcome: 'acked' }, acked);
    this.outcomes.inc({ outcome: 'unacked' }, pending.length);
    this.outcomes.inc({ outcome: 'offline' }, offline.length);
    if (pending.length) this.logger.warn({ sdkAppId, eventId, unacked: pending.length }, 'deliveries not acknowledged after retries');
    if (offline.length) await this.offlinePush.send({ sdkAppId, userIds: offline, body: Buffer.from(event.body), offlinePushInfo: Buffer.from(event.offlinePush) });
    return { acked, unacked: pending.length, offline };
  }

  /** One Deliver call per gateway instance (per batch), all instances in parallel. */
  private async sendAll(deliveries: gatewayV1.Delivery[], sessions: Session[]): Promise<gatewayV1.DeliveryResult[]> {
    const byLogin = new Map(sessions.map((s) => [s.loginId, s]));
    const groups = new Map<string, { region: string; items: gatewayV1.Delivery[] }>();
    for (const d of deliveries) {
      const s = byLogin.get(d.loginId)!;
      const g = groups.get(s.gatewayAddress) ?? { region: s.gatewayRegion, items: [] };
      g.items.push(d);
      groups.set(s.gatewayAddress, g);
    }
    const results = await Promise.all(
      [...groups].flatMap(([address, g]) => {
        const gateway = this.clients.instance<gatewayV1.GatewayServiceClient>('gateway', address, g.region);
        const batches: gatewayV1.Delivery[][] = [];
        for (let i = 0; i < g.items.length; i += this.config.MERIDIAN_PUSH_BATCH) batches.push(g.items.slice(i, i + this.config.MERIDIAN_PUSH_BATCH));
        return batches.map(async (batch) => {
          try {
            const res = await gateway.deliver(
              { deliveries: batch, ackTimeoutMs: this.config.MERIDIAN_PUSH_ACK_TIMEOUT_MS },
              { deadlineMs: this.config.MERIDIAN_PUSH_ACK_TIMEOUT_MS + 2000 },
            );
            return res.results;
          } catch (err) {
            // The instance is unreachable: treat as not acked so the attempt is retried.
            this.logger.warn({ address, error: (err as Error).message }, 'gateway instance unreachable');
            return batch.map((d) => ({ deliveryId: d.deliveryId, status: gatewayV1.DeliveryStatus.DELIVERY_STATUS_TIMEOUT }));
          }
        });
      }),
    );
    return results.flat();
  }

  private toDelivery(eventId: string, sdkAppId: number, s: Session, event: pushEventsV1.DeliveryRequestedEvent): gatewayV1.Delivery {
    return {
      deliveryId: `${eventId}:${s.loginId}`,
      sdkAppId,
      userId: s.userId,
      loginId: s.loginId,
      connectionId: s.connectionId,
      kind: event.kind,
      body: event.body,
    };
  }
}
