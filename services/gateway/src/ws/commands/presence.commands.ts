import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { WsCommandRegistry } from '../ws-command.registry';

/** Presence for clients: `account.online_status` {userIds: string[] ≤ 500} → {results:[{userId, state}]}. */
@Injectable()
export class PresenceCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      cmd: 'account.online_status',
      handle: async ({ session }, body) => {
        const ids = body['userIds'];
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 500 || !ids.every(isValidUserId)) {
          throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'userIds must be 1-500 valid UserIDs');
        }
        const res = await this.clients
          .service<authV1.AuthServiceClient>('auth', session.homeRegion)
          .queryOnlineStatus({ sdkAppId: session.sdkAppId, userIds: ids, needDetail: false });
        return { results: res.results.map((r) => ({ userId: r.userId, state: r.state })), notFound: res.notFound };
      },
    });
  }
}
