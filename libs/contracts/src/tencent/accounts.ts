import { z } from 'zod';
import { isValidUserId } from '../identifiers';
import { accountList, flag, item, account, list, text } from './fields';

/** Accounts and online state (im_open_login_svc, openim/query_online_status): request bodies. */
const ACCOUNT_BATCH = 100;
const ONLINE_STATUS_BATCH = 500;

export const accountImportSchema = z.object({ UserID: account(), Nick: text({ maxBytes: 500 }), FaceUrl: text({ maxBytes: 500 }) });
export const multiAccountImportSchema = z.object({ Accounts: accountList({ max: ACCOUNT_BATCH }) });
export const accountDeleteSchema = z.object({ DeleteItem: list(item({ UserID: account() }), { max: ACCOUNT_BATCH }) });
export const accountCheckSchema = z.object({ CheckItem: list(item({ UserID: account() }), { max: ACCOUNT_BATCH }) });
export const kickSchema = z.object({ UserID: account() });
export const queryOnlineStatusSchema = z.object({ To_Account: accountList({ max: ONLINE_STATUS_BATCH }), IsNeedDetail: flag() });

/** WebSocket `account.online_status` {userIds: 1-500 UserIDs} (docs/protocol.md): one code, 70402, for every fault. */
export const wsOnlineStatusSchema = z.object({
  userIds: z
    .unknown()
    .refine((v) => Array.isArray(v) && v.length >= 1 && v.length <= ONLINE_STATUS_BATCH && v.every(isValidUserId), { message: `must be 1-${ONLINE_STATUS_BATCH} valid UserIDs` })
    .transform((v) => v as string[]),
});
