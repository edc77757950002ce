import {
  ErrorCode,
  MeridianError,
  accountCheckSchema,
  accountDeleteSchema,
  accountImportSchema,
  kickSchema,
  multiAccountImportSchema,
  queryOnlineStatusSchema,
  wsOnlineStatusSchema,
} from '@meridian/contracts';
import type { authV1, pushV1 } from '@meridian/proto';
import { withPushOnline } from '../push-online';
import { callRow, rpc, runRow, type EdgeRow } from '../edge-command';

const auth = rpc<authV1.AuthServiceClient>('auth');

const onlineStatus = (rest: string, doc: string): EdgeRow =>
  runRow({
    rest,
    service: 'auth',
    schema: queryOnlineStatusSchema,
    doc,
    run: async (c, i) => {
      const res = await c.deps.clients.service<authV1.AuthServiceClient>('auth', c.homeRegion).queryOnlineStatus({ sdkAppId: c.sdkAppId, userIds: i.To_Account, needDetail: i.IsNeedDetail });
      // Offline users with a push registration are PushOnline (push knows the registrations).
      const push = c.deps.clients.service<pushV1.PushServiceClient>('push', c.homeRegion);
      const results = await withPushOnline(res.results, async (ids) => (await push.getPushPlatforms({ sdkAppId: c.sdkAppId, userIds: ids })).registrations);
      return {
        QueryResult: results.map((r) => ({
          To_Account: r.userId,
          // Current SDKs read Status, older ones and Tencent's samples State: both, same value.
          Status: r.state,
          State: r.state,
          ...(i.IsNeedDetail ? { Detail: r.detail.map((d) => ({ Platform: d.platform, Status: d.status })) } : {}),
        })),
        ...(res.notFound.length ? { ErrorList: res.notFound.map((u) => ({ To_Account: u, ErrorCode: ErrorCode.ACCOUNT_NOT_FOUND })) } : {}),
      };
    },
  });

/** Accounts and online state: v4/im_open_login_svc/* and v4/openim/query_online_status; `account.online_status` for clients. */
export const ACCOUNT_COMMANDS: EdgeRow[] = [
  callRow({
    rest: 'im_open_login_svc/account_import',
    schema: accountImportSchema,
    aliases: { Identifier: 'UserID' },
    doc: '`UserID` (old name `Identifier`), `Nick`, `FaceUrl`; idempotent',
    call: auth('importAccounts'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, accounts: [{ userId: i.UserID, nick: i.Nick ?? '', faceUrl: i.FaceUrl ?? '' }] }),
    answer: (res) => {
      if (res.failed.length) throw new MeridianError(ErrorCode.INTERNAL, 'account could not be stored');
      return {};
    },
  }),
  callRow({
    rest: 'im_open_login_svc/multiaccount_import',
    rate: 100,
    schema: multiAccountImportSchema,
    doc: '`Accounts` ≤ 100 → `FailAccounts`; 100/s',
    call: auth('importAccounts'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, accounts: i.Accounts.map((userId) => ({ userId, nick: '', faceUrl: '' })) }),
    answer: (res) => ({ FailAccounts: res.failed }),
  }),
  callRow({
    rest: 'im_open_login_svc/account_delete',
    rate: 100,
    schema: accountDeleteSchema,
    doc: "`DeleteItem:[{UserID}]` ≤ 100 → `ResultItem` (70107 per unknown); kicks sessions and refuses (70001) UserSigs issued at or before the deletion, on REST and WebSocket, also after a re-import (a sig issued later works; a WebSocket login with one registers the account again, as Tencent's SDK login does); the account's profile, friendships, friend requests and blacklist go too (shortly after, by event); 100/s",
    call: auth('deleteAccounts'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.DeleteItem.map((d) => d.UserID) }),
    answer: (res) => ({ ResultItem: res.results.map((r) => ({ ResultCode: r.resultCode, ResultInfo: r.resultInfo, UserID: r.userId })) }),
  }),
  callRow({
    rest: 'im_open_login_svc/account_check',
    rate: 100,
    schema: accountCheckSchema,
    doc: '`CheckItem:[{UserID}]` ≤ 100 → `ResultItem` with `AccountStatus`; 100/s',
    call: auth('checkAccounts'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.CheckItem.map((d) => d.UserID) }),
    answer: (res) => ({ ResultItem: res.results.map((r) => ({ UserID: r.userId, ResultCode: r.resultCode, ResultInfo: r.resultInfo, AccountStatus: r.status })) }),
  }),
  callRow({
    rest: 'im_open_login_svc/kick',
    schema: kickSchema,
    aliases: { Identifier: 'UserID' },
    doc: '`UserID` (old name `Identifier`); ends every session and refuses (70001) UserSigs issued at or before the kick, on REST (admin identities too) and WebSocket login; a sig issued in a later second works',
    call: auth('kick'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userId: i.UserID }),
  }),
  onlineStatus(
    'openim/query_online_status',
    '`To_Account` ≤ 500, `IsNeedDetail` → `QueryResult:[{To_Account, Status, State, Detail?}]` (`Status` and `State` the same value: Online; PushOnline for a user with no connection but a push registration; Offline), `ErrorList` (70107)',
  ),
  onlineStatus('openim/querystate', 'old name of `openim/query_online_status`'),
  callRow({
    ws: 'account.online_status',
    schema: wsOnlineStatusSchema,
    doc: '`userIds` ≤ 500 → `results:[{userId, state}]`, `notFound`',
    call: auth('queryOnlineStatus'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userIds: i.userIds, needDetail: false }),
    answer: (res) => ({ results: res.results.map((r) => ({ userId: r.userId, state: r.state })), notFound: res.notFound }),
  }),
];
