import { ErrorCodes, MeridianError } from './errors.js';

/** Constants, named and valued as Tencent's web Chat SDK (`TencentCloudChat.TYPES`) where it has them. */
export const TYPES = {
  CONV_C2C: 'C2C',
  /** Group conversations: `GROUP<groupID>`. */
  CONV_GROUP: 'GROUP',
  /** The conversation of group system notices (`TIMGroupSystemNoticeElem` messages). */
  CONV_SYSTEM: '@TIM#SYSTEM',
  MSG_TEXT: 'TIMTextElem',
  MSG_FACE: 'TIMFaceElem',
  MSG_LOCATION: 'TIMLocationElem',
  MSG_IMAGE: 'TIMImageElem',
  MSG_SOUND: 'TIMSoundElem',
  MSG_VIDEO: 'TIMVideoFileElem',
  MSG_FILE: 'TIMFileElem',
  MSG_CUSTOM: 'TIMCustomElem',
  /** A group tip (join, quit, kick, admin change, info change) delivered as a message of the group. */
  MSG_GRP_TIP: 'TIMGroupTipElem',
  /** A group system notice (join request, accepted, kicked, dismissed, …) in `@TIM#SYSTEM`. */
  MSG_GRP_SYS_NOTICE: 'TIMGroupSystemNoticeElem',
  /** Work group (Tencent's API name `Private`). */
  GRP_WORK: 'Private',
  GRP_PUBLIC: 'Public',
  /** Meeting group (Tencent's API name `ChatRoom`). */
  GRP_MEETING: 'ChatRoom',
  /** Live-stream room: no member list, no storage; online members only. */
  GRP_AVCHATROOM: 'AVChatRoom',
  GRP_MBR_ROLE_OWNER: 'Owner',
  GRP_MBR_ROLE_ADMIN: 'Admin',
  GRP_MBR_ROLE_MEMBER: 'Member',
  JOIN_OPTIONS_FREE_ACCESS: 'FreeAccess',
  JOIN_OPTIONS_NEED_PERMISSION: 'NeedPermission',
  JOIN_OPTIONS_DISABLE_APPLY: 'DisableApply',
  /** joinGroup answered: a member now (the server's `JoinStatus`; Tencent's SDK says `JoinedSuccess`). */
  JOIN_STATUS_SUCCESS: 'Joined',
  /** joinGroup answered: the application waits for the owner or an admin. */
  JOIN_STATUS_WAIT_APPROVAL: 'WaitAdminApproval',
  GRP_TIP_MBR_JOIN: 1,
  GRP_TIP_MBR_QUIT: 2,
  GRP_TIP_MBR_KICKED_OUT: 3,
  GRP_TIP_MBR_SET_ADMIN: 4,
  GRP_TIP_MBR_CANCELED_ADMIN: 5,
  GRP_TIP_GRP_PROFILE_UPDATED: 6,
  GRP_SYS_NOTICE_JOIN_REQUEST: 1,
  GRP_SYS_NOTICE_JOIN_ACCEPTED: 2,
  GRP_SYS_NOTICE_JOIN_REFUSED: 3,
  GRP_SYS_NOTICE_KICKED_OUT: 4,
  GRP_SYS_NOTICE_GROUP_DISMISSED: 5,
  GRP_SYS_NOTICE_GROUP_CREATED: 6,
  GRP_SYS_NOTICE_INVITED: 7,
  GRP_SYS_NOTICE_SET_ADMIN: 9,
  GRP_SYS_NOTICE_CANCELED_ADMIN: 10,
  GRP_SYS_NOTICE_CUSTOM: 255,
  USER_STATUS_UNKNOWN: 0,
  USER_STATUS_ONLINE: 1,
  USER_STATUS_OFFLINE: 2,
  /** Never logged in (no account yet: the first login creates it). */
  USER_STATUS_UNLOGINED: 3,
} as const;

export type ConversationType = 'C2C' | 'GROUP' | '@TIM#SYSTEM';

/** One element of a message body, exactly as the wire carries it (Tencent's `MsgBody` item). */
export interface MsgElement {
  MsgType: string;
  MsgContent: Record<string, unknown>;
}

export type MessageStatus = 'unSend' | 'success' | 'fail';

/** A message as the app sees it (the shape of Tencent's Chat SDK `Message`). */
export interface Message {
  /** The same on sender and receiver: `<from>-<to>-<random>`. */
  ID: string;
  conversationID: string;
  conversationType: ConversationType;
  from: string;
  /** The receiver's userID, or the groupID of a group message. */
  to: string;
  /** `out` for messages this user sent (from any of their devices). */
  flow: 'in' | 'out';
  /** Seconds since the epoch (server time once sent). */
  time: number;
  /** Per-conversation (per-group) sequence, 0 until the server accepted the message; 0 for tips and notices that are not stored. */
  sequence: number;
  /** The de-duplication random (Tencent's `MsgRandom`), kept across retries. */
  random: number;
  /** The server's message key (`MsgKey`), needed to recall. */
  msgKey: string;
  status: MessageStatus;
  /** The first element's type (`TIMTextElem`, …). */
  type: string;
  /** The first element's content in the SDK's camelCase form, e.g. `{text}` for text. */
  payload: Record<string, unknown>;
  /** Every element as the wire carries it. */
  elements: MsgElement[];
  cloudCustomData: string;
  isRevoked: boolean;
  /** Own messages: the peer has read it. */
  isPeerRead: boolean;
}

export interface CreateMessageOptions<P> {
  /** The receiver's userID, or the groupID with `conversationType: GROUP`. */
  to: string;
  /** `C2C` (default) or `GROUP` (`TYPES.CONV_GROUP`). */
  conversationType?: 'C2C' | 'GROUP';
  payload: P;
  cloudCustomData?: string;
}

/** A random 32-bit unsigned integer (`MsgRandom`). */
export function randomU32(random: () => number = Math.random): number {
  return Math.floor(random() * 0xffffffff) >>> 0;
}

/** `C2C<userID>`, as Tencent's web SDK names C2C conversations. */
export function c2cConversationID(userID: string): string {
  return `C2C${userID}`;
}

/** `GROUP<groupID>`, as Tencent's web SDK names group conversations. */
export function groupConversationID(groupID: string): string {
  return `GROUP${groupID}`;
}

/** A conversation id's type and its userID or groupID (`C2Cbob` → C2C bob, `GROUP@TGS#2…` → GROUP). */
export function parseConversationID(conversationID: string): { type: 'C2C' | 'GROUP'; id: string } {
  if (typeof conversationID === 'string' && conversationID.startsWith('GROUP') && conversationID.length > 5) return { type: 'GROUP', id: conversationID.slice(5) };
  return { type: 'C2C', id: peerOf(conversationID) };
}

/** The peer userID of a `C2C<userID>` conversation id. */
export function peerOf(conversationID: string): string {
  if (!conversationID.startsWith('C2C') || conversationID.length <= 3)
    throw new MeridianError(ErrorCodes.INVALID_PARAMETER, `conversationID must be C2C<userID>: ${conversationID}`);
  return conversationID.slice(3);
}

export function messageID(from: string, to: string, random: number): string {
  return `${from}-${to}-${random}`;
}

const need = (ok: boolean, what: string) => {
  if (!ok) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, what);
};

/** Wire element → the SDK's payload (Tencent web SDK field names). */
export function payloadOf(el: MsgElement | undefined): Record<string, unknown> {
  if (!el) return {};
  const c = el.MsgContent ?? {};
  switch (el.MsgType) {
    case TYPES.MSG_TEXT:
      return { text: c['Text'] };
    case TYPES.MSG_FACE:
      return { index: c['Index'], data: c['Data'] };
    case TYPES.MSG_LOCATION:
      return { description: c['Desc'], latitude: c['Latitude'], longitude: c['Longitude'] };
    case TYPES.MSG_CUSTOM:
      return { data: c['Data'], description: c['Desc'], extension: c['Ext'] };
    case TYPES.MSG_GRP_TIP:
      return {
        operationType: c['OpType'],
        operatorID: c['Operator_Account'],
        userIDList: Array.isArray(c['MemberList']) ? c['MemberList'] : [],
        ...(c['Changes'] ? { newGroupProfile: groupProfileChanges(c['Changes'] as Record<string, unknown>) } : {}),
      };
    case TYPES.MSG_IMAGE: {
      const infos = (c['ImageInfoArray'] as { Type: number; URL: string; Width: number; Height: number; Size: number }[] | undefined) ?? [];
      return {
        uuid: c['UUID'],
        imageFormat: c['ImageFormat'],
        imageInfoArray: infos.map((i) => ({ type: i.Type, url: i.URL, width: i.Width, height: i.Height, size: i.Size })),
      };
    }
    case TYPES.MSG_SOUND:
      return { url: c['Url'], uuid: c['UUID'], size: c['Size'], second: c['Second'] };
    case TYPES.MSG_FILE:
      return { fileUrl: c['Url'], uuid: c['UUID'], fileSize: c['FileSize'], fileName: c['FileName'] };
    case TYPES.MSG_VIDEO:
      return {
        videoUrl: c['VideoUrl'],
        videoUUID: c['VideoUUID'],
        videoSize: c['VideoSize'],
        videoSecond: c['VideoSecond'],
        videoFormat: c['VideoFormat'],
        thumbUrl: c['ThumbUrl'],
        thumbWidth: c['ThumbWidth'],
        thumbHeight: c['ThumbHeight'],
      };
    default:
      return { ...c };
  }
}

/** Builds an unsent message; the factories below validate and call it. */
export function draft(me: string, opts: CreateMessageOptions<unknown>, element: MsgElement, random: () => number = Math.random): Message {
  need(typeof opts.to === 'string' && opts.to.length > 0, 'to (the receiver userID) is required');
  const type = opts.conversationType ?? 'C2C';
  need(type === 'C2C' || type === 'GROUP', 'conversationType is C2C or GROUP');
  const conversationID = type === 'GROUP' ? groupConversationID(opts.to) : c2cConversationID(opts.to);
  const r = randomU32(random);
  return {
    ID: messageID(me, opts.to, r),
    conversationID,
    conversationType: type,
    from: me,
    to: opts.to,
    flow: 'out',
    time: Math.floor(Date.now() / 1000),
    sequence: 0,
    random: r,
    msgKey: '',
    status: 'unSend',
    type: element.MsgType,
    payload: payloadOf(element),
    elements: [element],
    cloudCustomData: opts.cloudCustomData ?? '',
    isRevoked: false,
    isPeerRead: false,
  };
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The element builders behind createXxxMessage (pure: unit-tested). */
export const elements = {
  text(p: { text: string }): MsgElement {
    need(isStr(p?.text) && p.text.length > 0, 'payload.text must be a non-empty string');
    return { MsgType: TYPES.MSG_TEXT, MsgContent: { Text: p.text } };
  },
  face(p: { index: number; data?: string }): MsgElement {
    need(isNum(p?.index), 'payload.index must be a number');
    return { MsgType: TYPES.MSG_FACE, MsgContent: { Index: p.index, Data: p.data ?? '' } };
  },
  location(p: { description: string; longitude: number; latitude: number }): MsgElement {
    need(isNum(p?.longitude) && isNum(p?.latitude), 'payload.longitude and payload.latitude must be numbers');
    return { MsgType: TYPES.MSG_LOCATION, MsgContent: { Desc: p.description ?? '', Latitude: p.latitude, Longitude: p.longitude } };
  },
  /** By URL: the platform stores no files yet, so an image is a link to where it already lives. */
  image(p: { url: string; width?: number; height?: number; size?: number; format?: number; uuid?: string }): MsgElement {
    need(isStr(p?.url) && p.url.length > 0, 'payload.url must be the image URL');
    const info = (Type: number) => ({ Type, Size: p.size ?? 0, Width: p.width ?? 0, Height: p.height ?? 0, URL: p.url });
    return { MsgType: TYPES.MSG_IMAGE, MsgContent: { UUID: p.uuid ?? p.url, ImageFormat: p.format ?? 255, ImageInfoArray: [info(1), info(2), info(3)] } };
  },
  sound(p: { url: string; second: number; size?: number; uuid?: string }): MsgElement {
    need(isStr(p?.url) && isNum(p?.second), 'payload.url and payload.second are required');
    return { MsgType: TYPES.MSG_SOUND, MsgContent: { Url: p.url, UUID: p.uuid ?? p.url, Size: p.size ?? 0, Second: p.second, Download_Flag: 2 } };
  },
  video(p: { videoUrl: string; second: number; size?: number; format?: string; thumbUrl?: string; thumbWidth?: number; thumbHeight?: number }): MsgElement {
    need(isStr(p?.videoUrl) && isNum(p?.second), 'payload.videoUrl and payload.second are required');
    return {
      MsgType: TYPES.MSG_VIDEO,
      MsgContent: {
        VideoUrl: p.videoUrl,
        VideoUUID: p.videoUrl,
        VideoSize: p.size ?? 0,
        VideoSecond: p.second,
        VideoFormat: p.format ?? 'mp4',
        VideoDownloadFlag: 2,
        ThumbUrl: p.thumbUrl ?? '',
        ThumbUUID: p.thumbUrl ?? '',
        ThumbSize: 0,
        ThumbWidth: p.thumbWidth ?? 0,
        ThumbHeight: p.thumbHeight ?? 0,
        ThumbFormat: 'JPG',
        ThumbDownloadFlag: 2,
      },
    };
  },
  file(p: { url: string; fileName: string; fileSize?: number; uuid?: string }): MsgElement {
    need(isStr(p?.url) && isStr(p?.fileName), 'payload.url and payload.fileName are required');
    return { MsgType: TYPES.MSG_FILE, MsgContent: { Url: p.url, UUID: p.uuid ?? p.url, FileSize: p.fileSize ?? 0, FileName: p.fileName, Download_Flag: 2 } };
  },
  custom(p: { data: string; description?: string; extension?: string }): MsgElement {
    need(isStr(p?.data), 'payload.data must be a string');
    return { MsgType: TYPES.MSG_CUSTOM, MsgContent: { Data: p.data, Desc: p.description ?? '', Ext: p.extension ?? '' } };
  },
};

/** A stored or pushed message (`chat.sync` item, `c2c` push body) → Message, from `me`'s side. */
export interface WireMessage {
  MsgSeq: number;
  From_Account: string;
  To_Account: string;
  MsgRandom: number;
  MsgTime: number;
  MsgKey: string;
  MsgBody: MsgElement[];
  CloudCustomData?: string;
  MsgFlagBits?: number;
  IsPeerRead?: number;
}

export function fromWire(me: string, w: WireMessage): Message {
  const out = w.From_Account === me;
  const conversationID = c2cConversationID(out ? w.To_Account : w.From_Account);
  const body = Array.isArray(w.MsgBody) ? w.MsgBody : [];
  return {
    ID: messageID(w.From_Account, w.To_Account, w.MsgRandom),
    conversationID,
    conversationType: TYPES.CONV_C2C,
    from: w.From_Account,
    to: w.To_Account,
    flow: out ? 'out' : 'in',
    time: w.MsgTime,
    sequence: w.MsgSeq,
    random: w.MsgRandom,
    msgKey: w.MsgKey,
    status: 'success',
    type: body[0]?.MsgType ?? '',
    payload: payloadOf(body[0]),
    elements: body,
    cloudCustomData: w.CloudCustomData ?? '',
    isRevoked: ((w.MsgFlagBits ?? 0) & 8) === 8,
    isPeerRead: w.IsPeerRead === 1,
  };
}

/** Tencent's group field names of an info change (`Changes` of a tip) → the SDK's group profile names. */
export function groupProfileChanges(changes: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = {
    Name: 'name',
    Introduction: 'introduction',
    Notification: 'notification',
    FaceUrl: 'avatar',
    Owner_Account: 'ownerID',
    ApplyJoinOption: 'joinOption',
    MuteAllMember: 'muteAllMembers',
    MaxMemberNum: 'maxMemberCount',
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(changes)) if (names[k]) out[names[k]] = k === 'MuteAllMember' ? v === 'On' : v;
  return out;
}

/** A group message as pushed (`group`, `group_tip`) or stored (`group_msg_get_simple` item). */
export interface WireGroupMessage {
  MsgSeq: number;
  From_Account?: string;
  /** Push: `Random`; history: `MsgRandom`. */
  Random?: number;
  MsgRandom?: number;
  /** Push: `MsgTime`; history: `MsgTimeStamp`. */
  MsgTime?: number;
  MsgTimeStamp?: number;
  MsgBody: MsgElement[];
  CloudCustomData?: string;
  /** History: 2 recalled, 1 expired. */
  IsPlaceMsg?: number;
  IsSystemMsg?: number;
}

export function fromGroupWire(me: string, groupID: string, w: WireGroupMessage): Message {
  const body = Array.isArray(w.MsgBody) ? w.MsgBody : [];
  const tip = body[0]?.MsgType === TYPES.MSG_GRP_TIP;
  const from = w.From_Account || (tip ? String(body[0]?.MsgContent['Operator_Account'] ?? '') : '');
  const random = w.Random ?? w.MsgRandom ?? 0;
  return {
    // Tips carry no Random: the (group, seq) makes their ID unique.
    ID: tip || !random ? `${groupID}-tip-${w.MsgSeq}-${w.MsgTime ?? w.MsgTimeStamp ?? 0}` : messageID(from, groupID, random),
    conversationID: groupConversationID(groupID),
    conversationType: TYPES.CONV_GROUP,
    from,
    to: groupID,
    flow: from === me && !tip ? 'out' : 'in',
    time: w.MsgTime ?? w.MsgTimeStamp ?? 0,
    sequence: w.MsgSeq ?? 0,
    random,
    msgKey: '',
    status: 'success',
    type: body[0]?.MsgType ?? '',
    payload: payloadOf(body[0]),
    elements: body,
    cloudCustomData: w.CloudCustomData ?? '',
    isRevoked: w.IsPlaceMsg === 2,
    isPeerRead: false,
  };
}

/** A `group_system` push → a `TIMGroupSystemNoticeElem` message of the `@TIM#SYSTEM` conversation. */
export function groupSystemNotice(b: Record<string, unknown>, time: number, did: string): Message {
  const groupID = String(b['GroupId'] ?? '');
  const payload = {
    operationType: Number(b['Type'] ?? 0),
    groupProfile: { groupID },
    operatorID: String(b['Operator_Account'] ?? ''),
    handleMessage: String(b['ApplyMsg'] ?? b['Reason'] ?? ''),
    userDefinedField: String(b['Content'] ?? ''),
  };
  return {
    ID: `${TYPES.CONV_SYSTEM}-${did}`,
    conversationID: TYPES.CONV_SYSTEM,
    conversationType: TYPES.CONV_SYSTEM,
    from: payload.operatorID,
    to: groupID,
    flow: 'in',
    time,
    sequence: 0,
    random: 0,
    msgKey: '',
    status: 'success',
    type: TYPES.MSG_GRP_SYS_NOTICE,
    payload,
    elements: [{ MsgType: TYPES.MSG_GRP_SYS_NOTICE, MsgContent: { ...b } }],
    cloudCustomData: '',
    isRevoked: false,
    isPeerRead: false,
  };
}
