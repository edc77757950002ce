import { Inject, Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { Coalescer, GrpcClients, Metrics } from '@meridian/platform';
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
  /** Session lookups of concurrently routed deliveries, one GetSessions per app and event-loop turn. */
  private readonly lookups: Coalescer<string, Session[]>;

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
    this.lookups = new Coalescer(async (app, userIds) => {
      const auth = this.clients.service<authV1.AuthServiceClient>('auth');
      return (await auth.getSessions({ sdkAppId: Number(app), userIds })).sessions;
    });
  }

  /** The sessions of these users (from a lookup shared with the deliveries routed at the same moment). */
  private async sessionsOf(sdkAppId: number, userIds: string[]): Promise<Session[]> {
    const wanted = new Set(userIds);
    return (await this.lookups.run(String(sdkAppId), userIds)).filter((s) => wanted.has(s.userId));
  }

  async route(eventId: string, sdkAppId: number, event: pushEventsV1.DeliveryRequestedEvent): Promise<RouteOutcome> {
    const recipients = [...new Set(event.recipients)];
    // Online-only recipients (a sender's other devices) get no offline push when they have no device.
    const everyone = [...new Set([...recipients, ...(event.onlineOnlyRecipients ?? [])])];
    let sessions = await this.sessionsOf(sdkAppId, everyone);
    const online = new Set(sessions.map((s) => s.userId));
    const offline = recipients.filter((r) => !online.has(r));
    const acked = new Set<string>();
    let pending = sessions.filter((s) => s.loginId !== event.excludeLoginId).map((s) => this.toDelivery(eventId, sdkAppId, s, event));
    for (let attempt = 0; pending.length && attempt <= this.config.MERIDIAN_PUSH_RETRIES; attempt++) {
      if (attempt > 0) {
        await sleep(this.config.MERIDIAN_PUSH_RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + Math.random()));
        // Ask again where the users are: one whose gateway died may have reconnected elsewhere
        // meanwhile, and that new session gets the delivery (same event, so the client's de-dup
        // by conversation and seq still holds).
        const users = [...new Set(pending.map((d) => d.userId))];
        sessions = await this.sessionsOf(sdkAppId, users);
        pending = sessions.filter((s) => s.loginId !== event.excludeLoginId && !acked.has(s.loginId)).map((s) => this.toDelivery(eventId, sdkAppId, s, event));
        if (!pending.length) break;
      }
      const results = await this.sendAll(pending, sessions);
      const byId = new Map(pending.map((d) => [d.deliveryId, d]));
      for (const r of results) if (r.status === gatewayV1.DeliveryStatus.DELIVERY_STATUS_ACKED) acked.add(byId.get(r.deliveryId)!.loginId);
      // Unacknowledged (timeout, unreachable or gone) deliveries are tried again on the users'
      // sessions as they are then; a client that stays away re-syncs by seq when it returns.
      pending = pending.filter((d) => !acked.has(d.loginId));
    }
    const unacked = pending.length;
    this.outcomes.inc({ outcome: 'acked' }, acked.size);
    this.outcomes.inc({ outcome: 'unacked' }, unacked);
    this.outcomes.inc({ outcome: 'offline' }, offline.length);
    if (unacked) this.logger.warn({ sdkAppId, eventId, unacked }, 'deliveries not acknowledged after retries');
    if (offline.length) await this.offlinePush.send({ sdkAppId, userIds: offline, body: Buffer.from(event.body), offlinePushInfo: Buffer.from(event.offlinePush) });
    return { acked: acked.size, unacked, offline };
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
