import { Inject, Injectable, Logger } from '@nestjs/common';
import { GrpcClients } from '@meridian/platform';
import type { gatewayV1 } from '@meridian/proto';
import type { GroupDoc } from './group.schema';
import { LiveRoomsRepository } from './live-rooms.repository';
import { type Ctx, LIVE_TIP_WINDOW_MS, LIVE_TIP_AUDIENCE, LIVE_GATEWAY_GONE_MS, LIVE_TIP_MAX_MEMBERS } from './group-input';

@Injectable()
export class LiveRoomsService {
  private readonly logger = new Logger(LiveRoomsService.name);

  constructor(
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(LiveRoomsRepository) private readonly rooms: LiveRoomsRepository,
  ) {}

  /**
   * AVChatRoom join (1) and quit (2) tips, batched: at most one tip of each kind per room and
   * window, naming up to LIVE_TIP_MAX_MEMBERS of those who joined or left meanwhile. The window
   * is LIVE_TIP_WINDOW_MS per LIVE_TIP_AUDIENCE members online (1 s up to 1,000, 50 s at 50,000),
   * so tips cost a room at most ~1,000 deliveries a second whatever its size. A tip per join
   * would cost n² frames as a room fills (2.5 billion for 50,000 members) and bury its messages.
   * The instance that opens a window flushes it; if it dies first, that window's tips are lost
   * (they are online-only and never acknowledged).
   */
  async liveMemberTip(ctx: Ctx, g: GroupDoc, opType: 1 | 2, tip: (users: string[]) => Promise<void>): Promise<void> {
    const windowMs = await this.rooms.queueTip(ctx.sdkAppId, g.groupId, opType, ctx.operator, (online) => LIVE_TIP_WINDOW_MS * Math.max(1, Math.ceil(online / LIVE_TIP_AUDIENCE)));
    if (windowMs === undefined) return;
    setTimeout(() => {
      void this.flushLiveTips(ctx.sdkAppId, g.groupId, opType, tip).catch((err: unknown) => this.logger.warn({ groupId: g.groupId, error: (err as Error).message }, 'AVChatRoom member tip failed'));
    }, windowMs).unref();
  }

  private async flushLiveTips(sdkAppId: number, groupId: string, opType: 1 | 2, tip: (users: string[]) => Promise<void>): Promise<void> {
    const users = [...new Set(await this.rooms.drainTips(sdkAppId, groupId, opType, LIVE_TIP_MAX_MEMBERS * 4))].slice(0, LIVE_TIP_MAX_MEMBERS);
    if (!users.length) return;
    await tip(users);
  }

  /**
   * AVChatRoom fan-out: one DeliverLive call per gateway instance holding members (in any
   * region), each writing to its own connections, so a message costs one hop per gateway rather
   * than one per member. A gateway that has failed every call for LIVE_GATEWAY_GONE_MS is dropped
   * from the room; one failed call is not enough: an overloaded gateway misses a deadline and
   * would otherwise lose its whole audience for good (the M3 bench at 50,000 members did).
   */
  async fanOutLive(sdkAppId: number, groupId: string, kind: string, body: unknown, excludeLoginId: string): Promise<void> {
    const { gateways, failing } = await this.rooms.gateways(sdkAppId, groupId);
    const payload = Buffer.from(JSON.stringify(body));
    await Promise.all(
      gateways.map(async (field) => {
        const [region, address] = [field.slice(0, field.indexOf('|')), field.slice(field.indexOf('|') + 1)];
        try {
          await this.clients.instance<gatewayV1.GatewayServiceClient>('gateway', address, region).deliverLive({ sdkAppId, groupId, kind, body: payload, excludeLoginId });
          if (failing.has(field)) await this.rooms.clearFailure(sdkAppId, groupId, field);
        } catch (err) {
          const since = await this.rooms.markFailure(sdkAppId, groupId, field, Date.now());
          const gone = Date.now() - since >= LIVE_GATEWAY_GONE_MS;
          this.logger.warn({ groupId, gateway: address, failingMs: Date.now() - since, error: (err as Error).message }, gone ? 'AVChatRoom gateway unreachable; dropped from the room' : 'AVChatRoom delivery to a gateway failed');
          if (gone) await this.rooms.dropGateway(sdkAppId, groupId, field);
        }
      }),
    );
  }
}
