import { type WireGroupMessage } from './messages.js';

/** A group as the app sees it (the shape of Tencent's web Chat SDK `Group`). */
export interface Group {
  groupID: string;
  /** `Private` (Work), `Public`, `ChatRoom` (Meeting) or `AVChatRoom` (`TYPES.GRP_*`). */
  type: string;
  name: string;
  avatar: string;
  introduction: string;
  notification: string;
  ownerID: string;
  createTime: number;
  /** The seq the group's next message gets (0 when unknown). */
  nextMessageSeq: number;
  lastInfoTime: number;
  memberCount: number;
  maxMemberCount: number;
  /** `FreeAccess`, `NeedPermission` or `DisableApply`. */
  joinOption: string;
  muteAllMembers: boolean;
  /** Seconds: the last message's time. */
  lastMessageTime: number;
  selfInfo: { role: string; joinTime: number; messageRemindType: string; nameCard: string; unreadCount: number };
}

/** A member (Tencent's `GroupMember`). */
export interface GroupMember {
  userID: string;
  /** `Owner`, `Admin` or `Member`. */
  role: string;
  joinTime: number;
  nameCard: string;
  /** Seconds since the epoch until which the member is muted (0: not muted). */
  muteUntil: number;
  /** `AcceptAndNotify`, `AcceptNotNotify` or `Discard`. */
  messageRemindType: string;
  /** The member's read position. */
  msgSeq: number;
}

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** A `get_group_info` / `get_joined_group_list` item (Tencent fields) → Group; `prev` fills what the item lacks. */
export function groupFromWire(w: Json, prev?: Group): Group {
  const has = (k: string) => w[k] !== undefined;
  const self = (w['SelfInfo'] ?? {}) as Json;
  const p = prev;
  return {
    groupID: text(w['GroupId']),
    type: has('Type') ? text(w['Type']) : (p?.type ?? ''),
    name: has('Name') ? text(w['Name']) : (p?.name ?? ''),
    avatar: has('FaceUrl') ? text(w['FaceUrl']) : (p?.avatar ?? ''),
    introduction: has('Introduction') ? text(w['Introduction']) : (p?.introduction ?? ''),
    notification: has('Notification') ? text(w['Notification']) : (p?.notification ?? ''),
    ownerID: has('Owner_Account') ? text(w['Owner_Account']) : (p?.ownerID ?? ''),
    createTime: has('CreateTime') ? num(w['CreateTime']) : (p?.createTime ?? 0),
    nextMessageSeq: has('NextMsgSeq') ? num(w['NextMsgSeq']) : (p?.nextMessageSeq ?? 0),
    lastInfoTime: has('LastInfoTime') ? num(w['LastInfoTime']) : (p?.lastInfoTime ?? 0),
    memberCount: has('MemberNum') ? num(w['MemberNum']) : (p?.memberCount ?? 0),
    maxMemberCount: has('MaxMemberNum') ? num(w['MaxMemberNum']) : (p?.maxMemberCount ?? 0),
    joinOption: has('ApplyJoinOption') ? text(w['ApplyJoinOption']) : (p?.joinOption ?? ''),
    muteAllMembers: has('MuteAllMember') ? w['MuteAllMember'] === 'On' : (p?.muteAllMembers ?? false),
    lastMessageTime: has('LastMsgTime') ? num(w['LastMsgTime']) : (p?.lastMessageTime ?? 0),
    selfInfo: {
      role: self['Role'] !== undefined ? text(self['Role']) : (p?.selfInfo.role ?? ''),
      joinTime: self['JoinTime'] !== undefined ? num(self['JoinTime']) : (p?.selfInfo.joinTime ?? 0),
      messageRemindType: self['MsgFlag'] !== undefined ? text(self['MsgFlag']) : (p?.selfInfo.messageRemindType ?? ''),
      nameCard: self['NameCard'] !== undefined ? text(self['NameCard']) : (p?.selfInfo.nameCard ?? ''),
      unreadCount: self['UnreadMsgNum'] !== undefined ? num(self['UnreadMsgNum']) : (p?.selfInfo.unreadCount ?? 0),
    },
  };
}

export function memberFromWire(w: Json): GroupMember {
  return {
    userID: text(w['Member_Account']),
    role: text(w['Role']),
    joinTime: num(w['JoinTime']),
    nameCard: text(w['NameCard']),
    muteUntil: num(w['MuteUntil'] ?? w['ShutUpUntil']),
    messageRemindType: text(w['MsgFlag']),
    msgSeq: num(w['MsgSeq']),
  };
}

/** The SDK's profile field names → Tencent's `modify_group_base_info` fields. */
export function groupProfileToWire(o: { name?: string; introduction?: string; notification?: string; avatar?: string; joinOption?: string; muteAllMembers?: boolean; maxMemberCount?: number }): Json {
  const out: Json = {};
  if (o.name !== undefined) out['Name'] = o.name;
  if (o.introduction !== undefined) out['Introduction'] = o.introduction;
  if (o.notification !== undefined) out['Notification'] = o.notification;
  if (o.avatar !== undefined) out['FaceUrl'] = o.avatar;
  if (o.joinOption !== undefined) out['ApplyJoinOption'] = o.joinOption;
  if (o.muteAllMembers !== undefined) out['MuteAllMember'] = o.muteAllMembers ? 'On' : 'Off';
  if (o.maxMemberCount !== undefined) out['MaxMemberNum'] = o.maxMemberCount;
  return out;
}

export interface HistoryPage {
  /** Newest first, as `group_msg_get_simple` answers. */
  RspMsgList?: WireGroupMessage[];
  IsFinished?: number;
}

/**
 * Everything stored after seq `after`, oldest first, from a history that pages newest-first
 * by `ReqMsgSeq` (`group_msg_get_simple`): pages downwards from the newest until a page reaches
 * `after` or the history ends. `fetch(undefined)` asks for the newest page.
 */
export async function historyAfter(fetch: (reqMsgSeq: number | undefined) => Promise<HistoryPage>, after: number, maxPages = 50): Promise<WireGroupMessage[]> {
  const out = new Map<number, WireGroupMessage>();
  let req: number | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await fetch(req);
    const list = res.RspMsgList ?? [];
    for (const m of list) if (m.MsgSeq > after) out.set(m.MsgSeq, m);
    const oldest = list.reduce((min, m) => Math.min(min, m.MsgSeq), Number.POSITIVE_INFINITY);
    if (res.IsFinished === 1 || !list.length || oldest <= after + 1) break;
    req = oldest - 1;
  }
  return [...out.values()].sort((a, b) => a.MsgSeq - b.MsgSeq);
}
