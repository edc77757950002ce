import { getOnlineMemberNumSchema, sendBroadcastMsgSchema } from '@meridian/contracts';
import type { groupV1 } from '@meridian/proto';
import { callRow, originOf, rpc, type EdgeCall, type EdgeRow } from '../edge-command';

const group = rpc<groupV1.GroupServiceClient>('group');

/** The group service's invalid-parameter code, for a field whose schema names none. */
const GROUP_INVALID = 10004;

/** The acting identity of a typed group RPC (REST: the admin; WebSocket: the user on this gateway). */
export function callerOf(c: EdgeCall): groupV1.GroupCaller {
  return {
    sdkAppId: c.sdkAppId,
    operator: c.operator,
    operatorIsAdmin: c.isAdmin,
    loginId: c.loginId,
    gatewayAddress: c.face === 'ws' ? c.deps.platform.grpc.advertise : '',
    gatewayRegion: c.face === 'ws' ? c.deps.platform.region : '',
    origin: originOf(c),
  };
}

export interface Faces {
  rest?: string;
  ws?: string;
  rate?: number;
}

/**
 * Group commands served by typed group RPCs instead of `GroupService.Execute`, family by family:
 * the row's zod schema reads Tencent's body, the request mapper fills the RPC's fields, the
 * answer mapper writes Tencent's answer.
 */
export const TYPED_GROUP_ROWS: Partial<Record<string, (faces: Faces) => EdgeRow>> = {
  // Live rooms.
  get_online_member_num: (faces) =>
    callRow({
      ...faces,
      schema: getOnlineMemberNumSchema,
      invalid: GROUP_INVALID,
      doc: '`GroupId` (an AVChatRoom; other types 10007) → `OnlineMemberNum`',
      call: group('getOnlineMemberNum'),
      request: (c, i) => ({ caller: callerOf(c), groupId: i.GroupId }),
      answer: (res) => ({ OnlineMemberNum: res.onlineMemberNum }),
    }),
  send_broadcast_msg: (faces) =>
    callRow({
      ...faces,
      schema: sendBroadcastMsgSchema,
      invalid: GROUP_INVALID,
      doc: "`From_Account?`, `Random?`, `MsgBody`, `CloudCustomData?` → `MsgSeq` (the app's broadcast seq); to every AVChatRoom of the app; clients get a `group_broadcast` push; 1/s",
      call: group('sendBroadcastMessage'),
      request: (c, i) => ({ caller: callerOf(c), fromAccount: i.From_Account ?? '', random: i.Random ?? 0, msgBody: Buffer.from(JSON.stringify(i.MsgBody)), cloudCustomData: i.CloudCustomData ?? '' }),
      answer: (res) => ({ MsgSeq: Number(res.msgSeq) }),
    }),
};
