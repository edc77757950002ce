import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { accountList } from '../../rest/body';
import { profileItems, profilesResponse, tagList } from '../../rest/commands/profile.commands';
import { WsCommandRegistry } from '../ws-command.registry';
import { wsOrigin } from '../../origin';

/** Same limit as portrait_get. */
const PROFILE_GET_MAX = 100;

/**
 * Profiles for clients (docs/protocol.md): `profile.get` reads anyone's fields that users may
 * read; `profile.set` changes the caller's own profile (custom fields only when users may write
 * them). Both go to the app's home region.
 */
@Injectable()
export class ProfileWsCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      {
        cmd: 'profile.get',
        handle: async ({ session }, body) => {
          const userIds = accountList(body, 'userIds', PROFILE_GET_MAX);
          const tags = tagList(body, 'tags');
          const res = await this.clients
            .service<relationshipV1.RelationshipServiceClient>('relationship', session.homeRegion)
            .getProfiles({ sdkAppId: session.sdkAppId, userIds, tags, requester: session.userId });
          return profilesResponse(res);
        },
      },
      {
        cmd: 'profile.set',
        handle: async ({ session, clientIp }, body) => {
          const items = profileItems(body, 'items');
          await this.clients
            .service<relationshipV1.RelationshipServiceClient>('relationship', session.homeRegion)
            .setProfile({ sdkAppId: session.sdkAppId, userId: session.userId, items, byAdmin: false, fromLoginId: session.loginId, origin: wsOrigin({ session, clientIp }) });
          return {};
        },
      },
    );
  }
}
