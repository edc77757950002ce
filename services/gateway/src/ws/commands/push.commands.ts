import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { pushV1 } from '@meridian/proto';
import { WsCommandRegistry } from '../ws-command.registry';

/**
 * `push.register_token` {provider: "apns"|"fcm"|"webhook", token} registers this device (its
 * user and platform) for offline push; an empty token unregisters it.
 */
@Injectable()
export class PushCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    this.registry.register({
      cmd: 'push.register_token',
      handle: async ({ session }, body) => {
        const { provider, token } = body;
        if (typeof provider !== 'string' || typeof token !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'provider and token are strings');
        await this.clients
          .service<pushV1.PushServiceClient>('push', session.homeRegion)
          .registerDeviceToken({ sdkAppId: session.sdkAppId, userId: session.userId, platform: session.platform, provider, token });
        return {};
      },
    });
  }
}
