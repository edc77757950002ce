import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GrpcClients } from '@meridian/platform';
import type { groupV1 } from '@meridian/proto';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';
import { restOrigin } from '../../origin';

/** Tencent's group_open_http_svc commands served by the group service (which validates bodies). */
export const GROUP_REST_COMMANDS = [
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
  'get_group_shutted_uin',
  'change_group_owner',
  'send_group_msg',
  'send_group_system_notification',
  'group_msg_recall',
  'group_msg_get_simple',
  'get_appid_group_list',
  'get_online_member_num',
  'import_group',
  'import_group_member',
  'import_group_msg',
  'set_unread_msg_num',
  'delete_group_msg_by_sender',
  'send_broadcast_msg',
] as const;

/** Tencent's per-API limits where they differ from 200/s. */
const RATES: Partial<Record<(typeof GROUP_REST_COMMANDS)[number], number>> = { get_appid_group_list: 1, send_broadcast_msg: 1 };

/**
 * v4/group_open_http_svc/*: the body goes to the group service as it came (the group service is
 * the owner of that contract and answers Tencent's fields); the caller is the app admin.
 */
@Injectable()
export class GroupCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      ...GROUP_REST_COMMANDS.map((command) => ({
        path: `group_open_http_svc/${command}`,
        ratePerSecond: RATES[command],
        handle: (ctx: RestContext, body: JsonObject) => this.execute(ctx, command, body),
      })),
      // Served by the group service, though Tencent files it under openim.
      { path: 'openim/modify_group_msg', handle: (ctx: RestContext, body: JsonObject) => this.execute(ctx, 'modify_group_msg', body) },
    );
  }

  private async execute(ctx: RestContext, command: string, body: JsonObject): Promise<JsonObject> {
    const res = await this.clients.service<groupV1.GroupServiceClient>('group').execute({
      sdkAppId: ctx.sdkAppId,
      command,
      operator: ctx.identifier,
      operatorIsAdmin: true,
      bodyJson: Buffer.from(JSON.stringify(body)),
      loginId: '',
      gatewayAddress: '',
      gatewayRegion: '',
      origin: restOrigin(ctx),
    });
    return JSON.parse(Buffer.from(res.bodyJson).toString('utf8')) as JsonObject;
  }
}
