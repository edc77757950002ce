import { z } from 'zod';
import { ErrorCode } from '../errors';
import { account, oneOf, strings, uint } from './fields';

/** openconfigsvr (app-wide mute, operations statistics) and open_msg_svc/get_history. */
export const setNoSpeakingSchema = z.object({ Set_Account: account(), C2CmsgNospeakingTime: uint(), GroupmsgNospeakingTime: uint() });
export const getNoSpeakingSchema = z.object({ Get_Account: account() });
export const getAppInfoSchema = z.object({ RequestField: strings() });

/** get_history: every fault is 1002 (Tencent's "invalid parameter" for this API). */
export const getHistorySchema = z.object({
  ChatType: oneOf(['C2C', 'Group'] as const, { code: ErrorCode.HISTORY_PARAMETER_INVALID }),
  MsgTime: z.unknown().transform((v, ctx): string => {
    if (typeof v === 'string') return v;
    ctx.addIssue({ code: 'custom', message: 'must be a string "YYYYMMDDHH"', params: { tencent: ErrorCode.HISTORY_PARAMETER_INVALID } });
    return z.NEVER;
  }),
});

/** WebSocket `push.register_token` {provider, token}: an empty token unregisters the device. */
export const registerTokenSchema = z.object({
  provider: z.string({ error: 'must be a string' }),
  token: z.string({ error: 'must be a string' }),
});
