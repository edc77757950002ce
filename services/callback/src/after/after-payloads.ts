import { REST_OPT_PLATFORM, ownEntry } from '@meridian/contracts';
import type { EventEnvelope } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';

/** One after-callback to send, built from one event. */
export interface AfterCallback {
  command: string;
  body: Record<string, unknown>;
  optPlatform: string;
  /** Tencent ClientIP: the address of whoever caused the event ('' when unknown). */
  clientIp: string;
}

/** What the payloads need beyond the event itself. */
export interface PayloadLookups {
  /** The account's total C2C unread count (Tencent UnreadMsgNum); -1 when unknown. */
  c2cUnread(sdkAppId: number, account: string): Promise<number>;
}

const parseJson = (b: Uint8Array | undefined, fallback: unknown): unknown => {
  const text = b ? Buffer.from(b).toString('utf8') : '';
  if (!text) return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
};

const STATE: Record<string, { Action: string; Reason: string }> = {
  Login: { Action: 'Login', Reason: 'Register' },
  Logout: { Action: 'Logout', Reason: 'Unregister' },
  Disconnect: { Action: 'Disconnect', Reason: 'LinkClose' },
  TimeOut: { Action: 'Disconnect', Reason: 'TimeOut' },
  Kicked: { Action: 'Logout', Reason: 'Unregister' },
};

/** Tencent's OptPlatform spelling for a session platform (State.StateChange uses "IOS"). */
const optPlatformOf = (platform: string): string => {
  const p = platform.toLowerCase();
  if (p === 'ios') return 'IOS';
  if (p === 'android') return 'Android';
  if (p === 'web') return 'Web';
  if (p === 'windows') return 'Windows';
  if (p === 'mac' || p === 'macos') return 'Mac';
  if (p === 'ipad') return 'iPad';
  return 'Unknown';
};

const members = (ids: string[]) => ids.map((Member_Account) => ({ Member_Account }));

/** OptPlatform and ClientIP of an event's origin; `fallback` for events produced before origins existed. */
const from = (origin: originEventsV1.Origin | undefined, fallback = 'Unknown'): { optPlatform: string; clientIp: string } => ({
  optPlatform: origin?.platform || fallback,
  clientIp: origin?.clientIp ?? '',
});

/**
 * Tencent's after-callbacks for one Meridian event (usually none or one). Field names are
 * Tencent's (reference section 7); EventTime is the event's own time in milliseconds, so a
 * redelivery carries the same body.
 */
export async function afterCallbacksOf(e: EventEnvelope, lookups: PayloadLookups): Promise<AfterCallback[]> {
  const EventTime = Number(e.timeMs);
  const sdkAppId = e.sdkAppId;
  if (e.userStateChanged) {
    const s = e.userStateChanged;
    const mapped = ownEntry(STATE, s.action);
    if (!mapped) return [];
    return [{ command: 'State.StateChange', optPlatform: optPlatformOf(s.platform), clientIp: s.clientIp, body: { EventTime, Info: { ...mapped, To_Account: s.userId } } }];
  }
  if (e.c2cMessageStored) {
    const m = e.c2cMessageStored;
    if (m.imported !== 0 || m.noCallbacks) return [];
    const unread = await lookups.c2cUnread(sdkAppId, m.toAccount);
    return [
      {
        command: 'C2C.CallbackAfterSendMsg',
        ...from(m.origin),
        body: {
          From_Account: m.fromAccount,
          To_Account: m.toAccount,
          MsgSeq: Number(m.msgSeq),
          MsgRandom: m.msgRandom,
          MsgTime: Number(m.msgTime),
          MsgKey: m.msgKey,
          OnlineOnlyFlag: m.onlineOnly ? 1 : 0,
          MsgBody: parseJson(m.msgBody, []),
          CloudCustomData: m.cloudCustomData,
          SendMsgResult: 0,
          ErrorInfo: 'send msg succeed',
          UnreadMsgNum: unread,
          EventTime,
        },
      },
    ];
  }
  if (e.c2cMessageRecalled) {
    const m = e.c2cMessageRecalled;
    return [
      {
        command: 'C2C.CallbackAfterMsgWithDraw',
        ...from(m.origin, m.byAdmin ? REST_OPT_PLATFORM : 'Unknown'),
        body: { From_Account: m.fromAccount, To_Account: m.toAccount, MsgKey: m.msgKey, UnreadMsgNum: await lookups.c2cUnread(sdkAppId, m.toAccount), EventTime },
      },
    ];
  }
  if (e.c2cReadReported) {
    const r = e.c2cReadReported;
    return [
      {
        command: 'C2C.CallbackAfterMsgReport',
        ...from(r.origin),
        body: { Report_Account: r.reportAccount, Peer_Account: r.peerAccount, LastReadTime: Number(r.lastReadTime), UnreadMsgNum: r.unreadMsgNum, EventTime },
      },
    ];
  }
  if (e.profileChanged) {
    const p = e.profileChanged;
    return [
      {
        command: 'Profile.CallbackPortraitSet',
        ...from(p.origin, p.byAdmin ? REST_OPT_PLATFORM : 'Unknown'),
        body: {
          // The identifier that made the change: the app admin for portrait_set, else the user.
          Operator_Account: p.origin?.operator || (p.byAdmin ? '' : p.userId),
          From_Account: p.userId,
          ProfileItem: p.items.map((i) => ({ Tag: i.tag, Value: parseJson(Buffer.from(i.valueJson), i.valueJson) })),
          EventTime,
        },
      },
    ];
  }
  if (e.friendsChanged) {
    const f = e.friendsChanged;
    // Imports trigger no callbacks (as Tencent's friend_import).
    if (f.added && f.reason === 'Import') return [];
    if (!f.added) return [{ command: 'Sns.CallbackFriendDelete', ...from(f.origin), body: { PairList: f.pairs.map((p) => ({ From_Account: p.fromAccount, To_Account: p.toAccount })), EventTime } }];
    // The first pair is the initiator's side: its list gained the other account.
    const initiator = f.pairs[0]?.fromAccount ?? '';
    return [
      {
        command: 'Sns.CallbackFriendAdd',
        ...from(f.origin),
        body: {
          PairList: f.pairs.map((p) => ({ From_Account: p.fromAccount, To_Account: p.toAccount, Initiator_Account: initiator })),
          ClientCmd: f.reason === 'Response' ? 'friend_response' : 'friend_add',
          // Set when an app admin added over REST (Tencent), with ForceFlag 1 for ForceAddFlags.
          Admin_Account: f.origin?.platform === REST_OPT_PLATFORM ? f.origin.operator : '',
          ForceFlag: f.forced ? 1 : 0,
          EventTime,
        },
      },
    ];
  }
  if (e.blacklistChanged) {
    const b = e.blacklistChanged;
    return [
      {
        command: b.added ? 'Sns.CallbackBlackListAdd' : 'Sns.CallbackBlackListDelete',
        ...from(b.origin),
        body: { PairList: b.toAccounts.map((to) => ({ From_Account: b.fromAccount, To_Account: to })), EventTime },
      },
    ];
  }
  if (e.groupMessageStored) {
    const m = e.groupMessageStored;
    if (m.noCallbacks) return [];
    return [
      {
        command: 'Group.CallbackAfterSendMsg',
        ...from(m.origin),
        body: {
          GroupId: m.groupId,
          Type: m.groupType,
          From_Account: m.fromAccount,
          // The request's initiator: the app admin for a REST send on behalf of a member.
          Operator_Account: m.origin?.operator || m.fromAccount,
          Random: m.random,
          MsgSeq: Number(m.msgSeq),
          MsgTime: Number(m.msgTime),
          OnlineOnlyFlag: m.onlineOnly ? 1 : 0,
          MsgBody: parseJson(m.msgBody, []),
          CloudCustomData: m.cloudCustomData,
          TopicId: '',
          EventTime,
        },
      },
    ];
  }
  if (e.groupChanged) {
    const g = e.groupChanged;
    const d = (parseJson(g.detailJson, {}) ?? {}) as Record<string, unknown>;
    const base = { GroupId: g.groupId, Type: typeof d['Type'] === 'string' ? d['Type'] : g.groupType };
    const origin = from(g.origin);
    const one = (command: string, body: Record<string, unknown>): AfterCallback[] => [{ command, ...origin, body: { ...body, EventTime } }];
    switch (g.change) {
      case 'Created':
        return one('Group.CallbackAfterCreateGroup', {
          ...base,
          Operator_Account: g.operator,
          Owner_Account: d['Owner_Account'] ?? '',
          Name: d['Name'] ?? '',
          MemberList: members(g.members),
          UserDefinedDataList: Array.isArray(d['AppDefinedData']) ? d['AppDefinedData'] : [],
        });
      case 'MemberJoined': {
        const joined = one('Group.CallbackAfterNewMemberJoin', { ...base, JoinType: d['JoinType'] === 'Invited' ? 'Invited' : 'Apply', Operator_Account: g.operator, NewMemberList: members(g.members) });
        // These members filled the group (Tencent: GroupId and EventTime only).
        return d['GroupFull'] === true ? [...joined, ...one('Group.CallbackAfterGroupFull', { GroupId: g.groupId })] : joined;
      }
      case 'SendMsgFailed':
        return one('Group.CallbackSendMsgException', {
          ...base,
          From_Account: d['From_Account'] ?? '',
          Operator_Account: g.origin?.operator || g.operator,
          Random: d['Random'] ?? 0,
          OnlineOnlyFlag: d['OnlineOnlyFlag'] ?? 0,
          MsgBody: Array.isArray(d['MsgBody']) ? d['MsgBody'] : [],
          CloudCustomData: d['CloudCustomData'] ?? '',
          ErrorCode: d['ErrorCode'] ?? 0,
          ErrorInfo: d['ErrorInfo'] ?? '',
        });
      case 'MemberQuit':
      case 'MemberKicked':
        return one('Group.CallbackAfterMemberExit', { ...base, ExitType: g.change === 'MemberQuit' ? 'Quit' : 'Kicked', Operator_Account: g.operator, ExitMemberList: members(g.members) });
      case 'InfoChanged': {
        const changed = Object.fromEntries(['Name', 'Introduction', 'Notification', 'FaceUrl'].filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
        return one('Group.CallbackAfterGroupInfoChanged', { ...base, Operator_Account: g.operator, ...changed });
      }
      case 'Destroyed':
        return one('Group.CallbackAfterGroupDestroyed', {
          ...base,
          ...(d['Name'] !== undefined ? { Name: d['Name'] } : {}),
          ...(d['Owner_Account'] !== undefined ? { Owner_Account: d['Owner_Account'] } : {}),
          MemberList: members(g.members),
        });
      case 'MsgRecalled':
        return one('Group.CallbackAfterRecallMsg', { ...base, Operator_Account: g.operator, MsgSeqList: Array.isArray(d['MsgSeqList']) ? d['MsgSeqList'] : [], TopicId: '' });
      default:
        // OwnerChanged, MemberMuted, RoleChanged: no after-callback in Tencent's list.
        return [];
    }
  }
  return [];
}
