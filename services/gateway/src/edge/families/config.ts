import { ErrorCode, MeridianError, emptyBodySchema, getAppInfoSchema, getNoSpeakingSchema, setNoSpeakingSchema, type JsonObject } from '@meridian/contracts';
import type { authV1 } from '@meridian/proto';
import { callRow, rpc, runRow, type EdgeCall, type EdgeRow } from '../edge-command';

const auth = rpc<authV1.AuthServiceClient>('auth');

/**
 * Tencent's operations statistics: one Result item per day for the last 30 days (newest first),
 * counters as strings, added up over every region's auth service (each counts its own region).
 * Only the counters Meridian keeps are present; RequestField picks some of them.
 */
async function getAppInfo(c: EdgeCall, requested: string[] | undefined): Promise<JsonObject> {
  const { clients, platform } = c.deps;
  const app = (await clients.service<authV1.AuthServiceClient>('auth', c.homeRegion).getApp({ sdkAppId: c.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!;
  const regions = platform.topology.regionNames();
  const stats = await Promise.all(regions.map((r) => clients.service<authV1.AuthServiceClient>('auth', r).getAppStats({ sdkAppId: c.sdkAppId, period: 'day', points: 30 })));
  const total = (metric: string, day: number) => stats.reduce((sum, s) => sum + Number(s.series.find((x) => x.metric === metric)?.points[day]?.value ?? 0), 0);
  const days = stats[0]?.series[0]?.points ?? [];
  const pick = requested ? new Set(requested) : undefined;
  const Result = days
    .map((p, day) => {
      const c2c = total('c2cMessages', day);
      const group = total('groupMessages', day);
      // Distinct counts are added up over the regions too: an app's users act in its home region
      // only (its data and sessions live there), so the regions' sets do not overlap.
      const item: Record<string, string> = {
        AppName: app.name,
        AppId: String(app.sdkAppId),
        ActiveUserNum: String(total('activeUsers', day)),
        RegistUserNumOneDay: String(total('registrations', day)),
        RegistUserNumTotal: String(total('accountsTotal', day)),
        LoginTimes: String(total('logins', day)),
        LoginUserNum: String(total('loginUsers', day)),
        UpMsgNum: String(c2c + group),
        SendMsgUserNum: String(total('senders', day)),
        C2CUpMsgNum: String(c2c),
        C2CSendMsgUserNum: String(total('c2cSenders', day)),
        MaxOnlineNum: String(total('maxOnline', day)),
        GroupUpMsgNum: String(group),
        GroupSendMsgUserNum: String(total('groupSenders', day)),
        GroupSendMsgGroupNum: String(total('groupsWithMessages', day)),
        GroupJoinGroupTimes: String(total('groupJoins', day)),
        GroupQuitGroupTimes: String(total('groupQuits', day)),
        GroupNewGroupNum: String(total('groupsCreated', day)),
        GroupDestroyGroupNum: String(total('groupsDestroyed', day)),
        CallBackReq: String(total('callbacksSent', day)),
        CallBackRsp: String(total('callbacksSent', day) - total('callbacksFailed', day)),
      };
      const out: Record<string, string> = pick ? Object.fromEntries(Object.entries(item).filter(([k]) => pick.has(k))) : item;
      out['Date'] = new Date(Number(p.timeMs)).toISOString().slice(0, 10).replace(/-/g, '');
      return out;
    })
    .reverse();
  return { Result };
}

/**
 * App configuration: v4/ConfigSvc/GetIPList (the access nodes' addresses, for allowlists), the
 * app-wide mute v4/openconfigsvr/setnospeaking and getnospeaking, and the operations statistics
 * v4/openconfigsvr/getappinfo.
 */
export const CONFIG_COMMANDS: EdgeRow[] = [
  runRow({
    rest: 'ConfigSvc/GetIPList',
    service: 'gateway',
    schema: emptyBodySchema,
    doc: "→ `IPList`: the hosts of every region's gateways (the access nodes)",
    run: async (c) => {
      const { topology } = c.deps.platform;
      const hosts = topology.regionNames().map((r) => new URL(topology.httpBaseUrl(r, 'gateway')).hostname);
      return { IPList: [...new Set(hosts)] };
    },
  }),
  callRow({
    rest: 'openconfigsvr/setnospeaking',
    schema: setNoSpeakingSchema,
    doc: "`Set_Account`, `C2CmsgNospeakingTime?`, `GroupmsgNospeakingTime?` (seconds; 0 unmutes; 4294967295 for ever): a muted client's 1:1 send fails with 20012 (admin sends are not checked, as Tencent)",
    call: auth('setNoSpeaking'),
    request: (c, i) => {
      if (i.C2CmsgNospeakingTime === undefined && i.GroupmsgNospeakingTime === undefined)
        throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'C2CmsgNospeakingTime or GroupmsgNospeakingTime is required');
      return { sdkAppId: c.sdkAppId, userId: i.Set_Account, c2cSeconds: i.C2CmsgNospeakingTime, groupSeconds: i.GroupmsgNospeakingTime };
    },
  }),
  callRow({
    rest: 'openconfigsvr/getnospeaking',
    schema: getNoSpeakingSchema,
    doc: '`Get_Account` → `C2CmsgNospeakingTime`, `GroupmsgNospeakingTime` (seconds left)',
    call: auth('getNoSpeaking'),
    request: (c, i) => ({ sdkAppId: c.sdkAppId, userId: i.Get_Account }),
    answer: (res) => ({ C2CmsgNospeakingTime: res.c2cSeconds, GroupmsgNospeakingTime: res.groupSeconds }),
  }),
  runRow({
    rest: 'openconfigsvr/getappinfo',
    service: 'auth',
    schema: getAppInfoSchema,
    doc: 'opt `RequestField[]` → `Result[]`, one per day for 30 days (newest first, `Date` `YYYYMMDD`, UTC days), string counters `AppName`, `AppId`, `ActiveUserNum`, `RegistUserNumOneDay`, `RegistUserNumTotal`, `LoginTimes`, `LoginUserNum`, `UpMsgNum`, `SendMsgUserNum`, `C2CUpMsgNum`, `C2CSendMsgUserNum`, `MaxOnlineNum`, `GroupUpMsgNum`, `GroupSendMsgUserNum`, `GroupSendMsgGroupNum`, `GroupJoinGroupTimes`, `GroupQuitGroupTimes`, `GroupNewGroupNum`, `GroupDestroyGroupNum`, `CallBackReq`, `CallBackRsp` (distinct counts are per-day HyperLogLogs; not kept: APNs/down-message counts, `ChainIncrease`/`ChainDecrease`, `GroupAllGroupNum`)',
    run: (c, i) => getAppInfo(c, i.RequestField),
  }),
];
