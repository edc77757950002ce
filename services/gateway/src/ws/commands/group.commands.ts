import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import type { groupV1 } from '@meridian/proto';
import { LiveRooms, roomKey } from '../live-rooms';
import { WsCommandRegistry, type WsContext } from '../ws-command.registry';
import { wsOrigin } from '../../origin';

/**
 * Groups from clients: `group.<command>` with Tencent's body fields (GroupId, MsgBody, Random,
 * ...) runs the same group service command with the user as the operator and the group type's
 * rules for members. Client-only commands: apply_join_group, quit_group, handle_join_application,
 * get_join_applications, set_read.
 */
export const GROUP_WS_COMMANDS = [
  'create_group',
  'get_group_info',
  'get_group_member_info',
  'modify_group_base_info',
  'add_group_member',
  'delete_group_member',
  'modify_group_member_info',
  'destroy_group',
  'get_joined_group_list',
  'get_role_in_group',
  'forbid_send_msg',
  'get_group_muted_account',
  'change_group_owner',
  'send_group_msg',
  'group_msg_recall',
  'group_msg_get_simple',
  'get_online_member_num',
  'apply_join_group',
  'quit_group',
  'handle_join_application',
  'get_join_applications',
  'set_read',
];

@Injectable()
export class GroupWsCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(LiveRooms) private readonly live: LiveRooms,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      ...GROUP_WS_COMMANDS.map((command) => ({
        cmd: `group.${command}`,
        handle: async ({ session, connectionId, clientIp }: WsContext, body: Record<string, unknown>) => {
          const res = await this.clients.service<groupV1.GroupServiceClient>('group', session.homeRegion).execute({
            sdkAppId: session.sdkAppId,
            command,
            operator: session.userId,
            operatorIsAdmin: false,
            bodyJson: Buffer.from(JSON.stringify(body)),
            loginId: session.loginId,
            gatewayAddress: this.platform.grpc.advertise,
            gatewayRegion: this.platform.region,
            origin: wsOrigin({ session, clientIp }),
          });
          const out = JSON.parse(Buffer.from(res.bodyJson).toString('utf8')) as Record<string, unknown>;
          // AVChatRoom membership is this connection's: its messages come through this instance.
          if (out['Live'] === true && typeof body['GroupId'] === 'string') {
            const room = roomKey(session.sdkAppId, body['GroupId']);
            if (command === 'apply_join_group') this.live.join(room, connectionId);
            if (command === 'quit_group') this.live.leave(room, connectionId);
          }
          return out;
        },
      })),
    );
  }
}
