import { ownEntry } from '@meridian/contracts';
/**
 * The four group types and their rules (reference §5). Old API names (Private, ChatRoom) and new
 * ones (Work, Meeting) are both accepted; a group answers with the name it was created with.
 */
export type GroupKind = 'Work' | 'Public' | 'Meeting' | 'AVChatRoom';

const NAMES: Record<string, GroupKind> = { Private: 'Work', Work: 'Work', Public: 'Public', ChatRoom: 'Meeting', Meeting: 'Meeting', AVChatRoom: 'AVChatRoom' };

export function kindOf(typeName: string): GroupKind | undefined {
  return ownEntry(NAMES, typeName);
}

export interface GroupRules {
  /** Who may edit name/introduction/notification/face: any member, owner and admins, or the owner. */
  editInfo: 'member' | 'admin' | 'owner';
  /** Who may disband: the app admin only (Work) or the owner too. */
  disbandByOwner: boolean;
  /** Joining by application: not possible, needs owner/admin approval (per ApplyJoinOption), or free. */
  apply: 'none' | 'approval' | 'free';
  /** Members may invite others (no consent or approval). */
  memberInvite: boolean;
  /** The group has an Admin role. */
  admins: boolean;
  ownerCanQuit: boolean;
  /** Who may kick: nobody, the owner, or owner and admins (admins only plain members). */
  kick: 'none' | 'owner' | 'admin';
  /** Who may mute members. */
  mute: 'none' | 'owner' | 'admin';
  /** Messages are stored (history, roaming, offline sync). */
  stores: boolean;
  /** Unread counts are kept. */
  unread: boolean;
  /** New members see history from before they joined. */
  historyBeforeJoin: boolean;
  /** Member join/quit tips: stored and pushed, pushed only, or neither. */
  memberTips: 'stored' | 'pushed' | 'off';
  /** Invisible to members until its first message (Work). */
  needsFirstMessage: boolean;
  /** The member list is kept (not for AVChatRoom, whose audience is whoever is online in it). */
  memberList: boolean;
  defaultMsgFlag: 'AcceptAndNotify' | 'AcceptNotNotify';
  /** Default member limit (MaxMemberCount). */
  defaultMaxMembers: number;
  /** Type digit after @TGS# in generated ids. */
  idDigit: string;
}

export const RULES: Record<GroupKind, GroupRules> = {
  Work: {
    editInfo: 'member',
    disbandByOwner: false,
    apply: 'none',
    memberInvite: true,
    admins: false,
    ownerCanQuit: true,
    kick: 'owner',
    mute: 'none',
    stores: true,
    unread: true,
    historyBeforeJoin: false,
    memberTips: 'stored',
    needsFirstMessage: true,
    memberList: true,
    defaultMsgFlag: 'AcceptAndNotify',
    defaultMaxMembers: 200,
    idDigit: '1',
  },
  Public: {
    editInfo: 'admin',
    disbandByOwner: true,
    apply: 'approval',
    memberInvite: false,
    admins: true,
    ownerCanQuit: false,
    kick: 'admin',
    mute: 'admin',
    stores: true,
    unread: true,
    historyBeforeJoin: false,
    memberTips: 'stored',
    needsFirstMessage: false,
    memberList: true,
    defaultMsgFlag: 'AcceptAndNotify',
    defaultMaxMembers: 2000,
    idDigit: '2',
  },
  Meeting: {
    editInfo: 'owner',
    disbandByOwner: true,
    apply: 'free',
    memberInvite: false,
    admins: true,
    ownerCanQuit: false,
    kick: 'admin',
    mute: 'admin',
    stores: true,
    unread: false,
    historyBeforeJoin: true,
    memberTips: 'off',
    needsFirstMessage: false,
    memberList: true,
    defaultMsgFlag: 'AcceptNotNotify',
    defaultMaxMembers: 6000,
    idDigit: '3',
  },
  AVChatRoom: {
    editInfo: 'owner',
    disbandByOwner: true,
    apply: 'free',
    memberInvite: false,
    admins: false,
    ownerCanQuit: false,
    kick: 'none',
    mute: 'owner',
    stores: false,
    unread: false,
    historyBeforeJoin: false,
    memberTips: 'pushed',
    needsFirstMessage: false,
    memberList: false,
    defaultMsgFlag: 'AcceptNotNotify',
    defaultMaxMembers: 0,
    idDigit: 'a',
  },
};

export type Role = 'Owner' | 'Admin' | 'Member';

/** Tencent's group codes (group_open_http_svc). */
export const GroupCode = {
  INTERNAL: 10002,
  INVALID_PARAMETER: 10004,
  TOO_MANY_IN_REQUEST: 10005,
  NO_PERMISSION: 10007,
  OWNER_CANNOT_QUIT: 10009,
  GROUP_NOT_FOUND: 10010,
  NOT_MEMBER: 10007,
  ALREADY_MEMBER: 10013,
  GROUP_FULL: 10014,
  GROUP_ID_INVALID: 10015,
  MUTED: 10017,
  ACCOUNT_NOT_FOUND: 10019,
  GROUP_ID_TAKEN: 10021,
  FREQUENCY: 10023,
  RECALL_NOT_FOUND: 10030,
  RECALL_WINDOW: 10031,
  RECALL_UNSUPPORTED: 10033,
  /** delete_group_msg_by_sender on an AVChatRoom (reference §3.2 item 42). */
  AVCHATROOM_UNSUPPORTED: 10035,
  JOINED_LIMIT: 10037,
} as const;

export const NAME_MAX = 30;
export const INTRODUCTION_MAX = 240;
export const NOTIFICATION_MAX = 300;
export const FACE_URL_MAX = 100;
export const NAME_CARD_MAX = 50;
export const CUSTOM_ID_MAX = 48;
export const MUTE_FOREVER = 4_294_967_295;
/** Tencent: Work, Public and Meeting groups hold at most 6000 members even on paid editions. */
export const MEMBER_LIMIT_MAX = 6000;
/** AVChatRoom audiences are unlimited; this only bounds the number a request may state. */
export const AVCHATROOM_MEMBER_LIMIT_MAX = 100_000;
/** import_group's MaxMemberCount when the request and the app's settings name none. */
export const IMPORT_DEFAULT_MAX_MEMBERS = 2000;
