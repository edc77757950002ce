import { ownedByService, type JsonObject } from '@meridian/contracts';
import type { groupV1 } from '@meridian/proto';
import { roomKey } from '../../ws/live-rooms';
import { callRow, originOf, rpc, type EdgeCall, type EdgeRow } from '../edge-command';
import { TYPED_GROUP_ROWS } from './groups-typed';

const group = rpc<groupV1.GroupServiceClient>('group');

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

/**
 * The same commands from clients, `group.<command>`, with the user as the operator and the group
 * type's rules for members; client-only: apply_join_group, quit_group, handle_join_application,
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
] as const;

/** Tencent's per-API limits where they differ from 200/s. */
const RATES: Partial<Record<string, number>> = { get_appid_group_list: 1, send_broadcast_msg: 1 };

const DOCS: Partial<Record<string, string>> = {
  get_group_info: '`GroupIdList` ≤ 50, `ResponseFilter?` → `GroupInfo[]`, each with `MuteAllMember` and its old name `ShutUpAllMember` (same value), members with `MuteUntil` and `ShutUpUntil`',
  get_group_member_info: '`GroupId`, filters (null = absent) → `MemberList` with `MuteUntil` and its old name `ShutUpUntil` (same value)',
  get_group_muted_account: 'old name `get_group_shutted_uin`',
  group_msg_get_simple: '`GroupId`, `ReqMsgNumber` ≤ 20, `ReqMsgSeq?` (absent or 0: the newest), `WithRecalledMsg?` → `RspMsgList`, `IsFinished`',
  get_appid_group_list: '1/s',
};

/** Leniency the group service does not know: ReqMsgSeq 0 is what clients send for "the newest". */
function requestBody(command: string, body: JsonObject): JsonObject {
  if (command === 'group_msg_get_simple' && body['ReqMsgSeq'] === 0) {
    const { ReqMsgSeq: _newest, ...rest } = body;
    return rest;
  }
  return body;
}

/** A member list with MuteUntil's old name ShutUpUntil beside it (same value). */
function withShutUpUntil(list: unknown): unknown {
  if (!Array.isArray(list)) return list;
  return (list as JsonObject[]).map((m) => (m && typeof m['MuteUntil'] === 'number' ? { ...m, ShutUpUntil: m['MuteUntil'] } : m));
}

/** Answers in the names clients read: the documented old names beside the current ones. */
function answerBody(command: string, out: JsonObject): JsonObject {
  if (command === 'get_group_info' && Array.isArray(out['GroupInfo'])) {
    out['GroupInfo'] = (out['GroupInfo'] as JsonObject[]).map((g) => {
      if (!g || typeof g !== 'object') return g;
      const item: JsonObject = typeof g['MuteAllMember'] === 'string' ? { ...g, ShutUpAllMember: g['MuteAllMember'] } : { ...g };
      if (item['MemberList'] !== undefined) item['MemberList'] = withShutUpUntil(item['MemberList']);
      return item;
    });
  }
  if (command === 'get_group_member_info' && out['MemberList'] !== undefined) out['MemberList'] = withShutUpUntil(out['MemberList']);
  return out;
}

/**
 * AVChatRoom membership is the connection's: its messages come through this gateway instance.
 * The group service says so in the typed `live_room` of its answer, never in Tencent's fields.
 */
function followLiveRoom(c: EdgeCall, command: string, body: JsonObject, liveRoom: boolean): void {
  if (!liveRoom || typeof body['GroupId'] !== 'string') return;
  const room = roomKey(c.sdkAppId, body['GroupId']);
  if (command === 'apply_join_group') c.deps.live.join(room, c.connectionId);
  if (command === 'quit_group') c.deps.live.leave(room, c.connectionId);
}

function groupRow(command: string, faces: { rest?: string; ws?: string }): EdgeRow {
  const typed = TYPED_GROUP_ROWS[command];
  if (typed) return typed({ ...faces, rate: RATES[command] });
  return callRow({
    ...faces,
    rate: RATES[command],
    schema: ownedByService,
    doc: DOCS[command] ?? "Tencent's fields (validated by the group service)",
    call: group('execute'),
    request: (c, body) => ({
      origin: originOf(c),
      sdkAppId: c.sdkAppId,
      command,
      operator: c.operator,
      operatorIsAdmin: c.isAdmin,
      bodyJson: Buffer.from(JSON.stringify(requestBody(command, body))),
      loginId: c.loginId,
      gatewayAddress: c.face === 'ws' ? c.deps.platform.grpc.advertise : '',
      gatewayRegion: c.face === 'ws' ? c.deps.platform.region : '',
    }),
    answer: (res, body, c) => {
      const out = JSON.parse(Buffer.from(res.bodyJson).toString('utf8')) as JsonObject;
      if (c.face === 'ws') followLiveRoom(c, command, body, res.liveRoom);
      return answerBody(command, out);
    },
  });
}

const wsOnly = GROUP_WS_COMMANDS.filter((c) => !(GROUP_REST_COMMANDS as readonly string[]).includes(c));

/** Groups, one row per command on the faces that serve it (REST for admins, WebSocket for members). */
export const GROUP_COMMANDS: EdgeRow[] = [
  ...GROUP_REST_COMMANDS.map((command) =>
    groupRow(command, { rest: `group_open_http_svc/${command}`, ...((GROUP_WS_COMMANDS as readonly string[]).includes(command) ? { ws: `group.${command}` } : {}) }),
  ),
  ...wsOnly.map((command) => groupRow(command, { ws: `group.${command}` })),
  // Served by the group service, though Tencent files it under openim.
  groupRow('modify_group_msg', { rest: 'openim/modify_group_msg' }),
];
