import { randomBytes } from 'node:crypto';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import type { originEventsV1 } from '@meridian/proto';
import { AVCHATROOM_MEMBER_LIMIT_MAX, GroupCode, MEMBER_LIMIT_MAX, type GroupKind, type Role } from './group-rules';
import type { DeclaredField, KeyValue } from './group.schema';

export interface Ctx {
  sdkAppId: number;
  operator: string;
  isAdmin: boolean;
  loginId: string;
  /** The gateway instance holding the acting connection (client calls). */
  gatewayAddress?: string;
  gatewayRegion?: string;
  /** True once the caller gave up (its gRPC deadline passed): a message is then not stored. */
  callerGone?: () => boolean;
  /** Who asked (callbacks: OptPlatform, ClientIP, Operator_Account); derived from the above when absent. */
  origin?: originEventsV1.Origin;
}

export type Json = Record<string, unknown>;

/**
 * A command's result: Tencent's answer fields, and apart from them what the gateway must know
 * (ExecuteResponse.live_room: the acting connection joined or left an AVChatRoom).
 */
export interface Executed {
  body: Json;
  liveRoom: boolean;
}

/** A command whose result is its Tencent answer alone. */
export const answer = (body: Promise<Json>): Promise<Executed> => body.then((b) => ({ body: b, liveRoom: false }));

export const fail = (code: number, info: string) => new MeridianError(code, info);
export const now = () => Math.floor(Date.now() / 1000);
export const MSG_FLAGS = ['AcceptAndNotify', 'AcceptNotNotify', 'Discard'];
export const APPLY_OPTIONS = ['FreeAccess', 'NeedPermission', 'DisableApply'];
export const PRIORITIES = ['High', 'Normal', 'Low', 'Lowest'];
export const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Custom field permission levels, high to low (reference §5). */
/** What get_group_info shows a client that is not a member (of a group other than Work). */
export const OUTSIDER_FIELDS: ReadonlySet<string> = new Set(['GroupId', 'ErrorCode', 'ErrorInfo', 'Type', 'Name', 'Appid', 'Introduction', 'FaceUrl', 'Owner_Account', 'CreateTime', 'MemberNum', 'MaxMemberNum', 'ApplyJoinOption']);

export const LEVELS: Record<string, number> = { AppAdmin: 4, Owner: 3, Admin: 2, Member: 1, Anyone: 0 };
/** AVChatRoom member tips: one per room and kind per window (longer for large rooms), naming at most this many members. */
export const LIVE_TIP_WINDOW_MS = 1000;
export const LIVE_TIP_AUDIENCE = 1000;
/** An AVChatRoom gateway failing every DeliverLive this long is taken out of the room. */
export const LIVE_GATEWAY_GONE_MS = 30_000;
export const LIVE_TIP_MAX_MEMBERS = 50;
/** AVChatRoom seqs (never stored) are recorded on the group once per this many (storeMessage). */
export const ONLINE_SEQ_BLOCK = 1000;

/** A group message as sent, for what follows storing it (GroupsService.announce). */
export interface SentGroupMessage {
  from: string;
  random: number;
  time: number;
  msgBody: unknown;
  /** MsgBody as JSON text. */
  text: string;
  cloud: string;
  priority: string;
  onlineOnly: boolean;
  noUnread: boolean;
  /** SendMsgControl NoLastMsg: the group's last message time stays. */
  noLastMsg: boolean;
  /** ForbidAfterSendMsgCallback. */
  noCallbacks: boolean;
  /** To_Account: only these members receive it. */
  targets?: Set<string>;
}

export function levelOf(ctx: Ctx, role: Role | 'None'): number {
  if (ctx.isAdmin) return LEVELS['AppAdmin']!;
  return role === 'None' ? 0 : LEVELS[role]!;
}

/**
 * Checks writes of custom fields against the app's declarations: declared keys only, within the
 * declared length, by a writer at or above the field's write level. An app that declared none
 * keeps free key/values within Tencent's sizes.
 */
export function checkWrites(declared: DeclaredField[], data: KeyValue[], level: number, what: string): void {
  if (!declared.length) return;
  for (const kv of data) {
    const f = declared.find((d) => d.key === kv.Key);
    if (!f) throw fail(GroupCode.INVALID_PARAMETER, `${kv.Key} is not a declared ${what} field`);
    if (Buffer.byteLength(kv.Value) > f.maxLength) throw fail(GroupCode.INVALID_PARAMETER, `${kv.Key} is at most ${f.maxLength} bytes`);
    if (level < LEVELS[f.writeLevel]!) throw fail(GroupCode.NO_PERMISSION, `you may not write ${kv.Key}`);
  }
}

/** The custom fields a reader at `level` may see. */
export function readable(declared: DeclaredField[], data: KeyValue[], level: number): KeyValue[] {
  if (!declared.length) return data;
  return data.filter((kv) => {
    const f = declared.find((d) => d.key === kv.Key);
    return f !== undefined && level >= LEVELS[f.readLevel]!;
  });
}

// --- body readers (group service codes: 10004 bad parameter, 60015 account not a string) ---

export function str(body: Json, name: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = body[name];
  if (v === undefined) {
    if (opts.required) throw fail(GroupCode.INVALID_PARAMETER, `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw fail(name.endsWith('Account') ? ErrorCode.ACCOUNT_NOT_STRING : GroupCode.INVALID_PARAMETER, `${name} must be a string`);
  if (opts.max !== undefined && Buffer.byteLength(v) > opts.max) throw fail(GroupCode.INVALID_PARAMETER, `${name} is longer than ${opts.max} bytes`);
  return v;
}

export function account(body: Json, name: string, required = true): string | undefined {
  const v = str(body, name, { required });
  if (v !== undefined && !isValidUserId(v)) throw fail(GroupCode.INVALID_PARAMETER, `${name} is not a valid account`);
  return v;
}

export function uint(body: Json, name: string, max = 0xffffffff): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be an integer in 0-${max}`);
  return v;
}

export function list(body: Json, name: string, max: number, required = true): unknown[] {
  const v = body[name];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v) || (required && v.length === 0)) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be a non-empty array`);
  if (v.length > max) throw fail(GroupCode.TOO_MANY_IN_REQUEST, `${name} holds at most ${max} items`);
  return v;
}

export function accounts(body: Json, name: string, max: number, required = true): string[] {
  return list(body, name, max, required).map((a) => {
    if (typeof a !== 'string') throw fail(ErrorCode.ACCOUNT_NOT_STRING, `${name} entries must be strings`);
    if (!isValidUserId(a)) throw fail(GroupCode.INVALID_PARAMETER, `invalid account ${JSON.stringify(a)} in ${name}`);
    return a;
  });
}

export function keyValues(body: Json, name: string, maxItems: number, maxValue: number): KeyValue[] | undefined {
  if (body[name] === undefined) return undefined;
  return list(body, name, maxItems, false).map((kv) => {
    const o = kv as Json;
    const key = typeof o?.['Key'] === 'string' ? o['Key'] : '';
    const value = o?.['Value'];
    if (!/^[A-Za-z0-9_]{1,16}$/.test(key) || typeof value !== 'string' || Buffer.byteLength(value) > maxValue) {
      throw fail(GroupCode.INVALID_PARAMETER, `${name} items are {Key ([A-Za-z0-9_], ≤16 B), Value (string ≤${maxValue} B)}`);
    }
    return { Key: key, Value: value };
  });
}

/** MaxMemberCount / MaxMemberNum: at most 6000 for Work, Public and Meeting (reference §5). */
export function memberLimit(body: Json, name: string, kind: GroupKind): number | undefined {
  return uint(body, name, kind === 'AVChatRoom' ? AVCHATROOM_MEMBER_LIMIT_MAX : MEMBER_LIMIT_MAX);
}

/** The custom fields a ResponseFilter's AppDefinedDataFilter_* names (all when it names none). */
export function keyFilter(filter: Json, name: string): ((data: KeyValue[]) => KeyValue[]) | undefined {
  const keys = filter[name];
  if (keys === undefined) return undefined;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be an array of keys`);
  return (data) => data.filter((kv) => keys.includes(kv.Key));
}

export function muteTime(body: Json): number | undefined {
  return uint(body, 'MuteTime') ?? uint(body, 'ShutUpTime');
}


export function requireAdmin(ctx: Ctx): void {
  if (!ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'app admins only');
}

/** 8 random characters of an upper-case base32 alphabet (with @TGS# and the type digit: 14 characters). */
export function generatedSuffix(): string {
  return [...randomBytes(8)].map((b) => ID_ALPHABET[b % 32]).join('');
}
