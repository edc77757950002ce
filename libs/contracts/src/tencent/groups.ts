import { z } from 'zod';
import { ErrorCode } from '../errors';
import { account, msgBody, text, uint } from './fields';

/**
 * Group commands (group_open_http_svc) served by typed group RPCs: request bodies. The rows'
 * invalid-parameter code is the group service's 10004; a GroupId that is missing or not a string
 * of 1-96 bytes is 10015 (as the group service answers).
 */
export const GROUP_ID_INVALID = 10015;
const GROUP_ID_MAX_BYTES = 96;

/** A required GroupId. */
export function groupId() {
  return z
    .unknown()
    .transform((v, ctx): string => {
      if (typeof v === 'string' && v.length > 0 && Buffer.byteLength(v) <= GROUP_ID_MAX_BYTES) return v;
      ctx.addIssue({ code: 'custom', message: `is required: a string of 1-${GROUP_ID_MAX_BYTES} bytes`, params: { tencent: GROUP_ID_INVALID } });
      return z.NEVER;
    })
    .meta({ type: 'string', minLength: 1, maxLength: GROUP_ID_MAX_BYTES });
}

/** Live rooms: get_online_member_num. */
export const getOnlineMemberNumSchema = z.object({ GroupId: groupId() });

/** Live rooms: send_broadcast_msg (From_Account absent: the admin). */
export const sendBroadcastMsgSchema = z.object({
  From_Account: account().optional(),
  Random: uint(),
  MsgBody: msgBody(ErrorCode.MSG_TOO_LONG_REST),
  CloudCustomData: text(),
});
