import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId, validateMsgBody, validateOfflinePushInfo, ownEntry } from '@meridian/contracts';
import { DedupeClaims, EventBus, GrpcClients, HOUR_S, existingAccounts, hourPage, RedisClient, RedisSequence } from '@meridian/platform';
import type { authV1, gatewayV1, originEventsV1 } from '@meridian/proto';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';
import { GroupKeys } from '../group.keys';
import {
  AVCHATROOM_MEMBER_LIMIT_MAX,
  CUSTOM_ID_MAX,
  FACE_URL_MAX,
  GroupCode,
  IMPORT_DEFAULT_MAX_MEMBERS,
  INTRODUCTION_MAX,
  MEMBER_LIMIT_MAX,
  MUTE_FOREVER,
  NAME_CARD_MAX,
  NAME_MAX,
  NOTIFICATION_MAX,
  RULES,
  kindOf,
  type GroupKind,
  type GroupRules,
  type Role,
} from './group-rules';
import type { DeclaredField, GroupAppSettingsDoc, GroupDoc, GroupMessageDoc, KeyValue, MemberDoc } from './group.schema';
import { GroupsRepository } from './groups.repository';
import { GroupBeforeCallbacks } from './group-callbacks';
import { GroupSendExceptions, originOf, reportSendFailure } from './group-origin';
import { forgetLiveRoom, liveRoomsOf, rememberLiveRoom } from './live-memberships';

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

type Json = Record<string, unknown>;

const fail = (code: number, info: string) => new MeridianError(code, info);
const now = () => Math.floor(Date.now() / 1000);
const MSG_FLAGS = ['AcceptAndNotify', 'AcceptNotNotify', 'Discard'];
const APPLY_OPTIONS = ['FreeAccess', 'NeedPermission', 'DisableApply'];
const PRIORITIES = ['High', 'Normal', 'Low', 'Lowest'];
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Custom field permission levels, high to low (reference §5). */
/** What get_group_info shows a client that is not a member (of a group other than Work). */
const OUTSIDER_FIELDS: ReadonlySet<string> = new Set(['GroupId', 'ErrorCode', 'ErrorInfo', 'Type', 'Name', 'Appid', 'Introduction', 'FaceUrl', 'Owner_Account', 'CreateTime', 'MemberNum', 'MaxMemberNum', 'ApplyJoinOption']);

export const LEVELS: Record<string, number> = { AppAdmin: 4, Owner: 3, Admin: 2, Member: 1, Anyone: 0 };
/** AVChatRoom member tips: one per room and kind per window (longer for large rooms), naming at most this many members. */
const LIVE_TIP_WINDOW_MS = 1000;
const LIVE_TIP_AUDIENCE = 1000;
/** An AVChatRoom gateway failing every DeliverLive this long is taken out of the room. */
const LIVE_GATEWAY_GONE_MS = 30_000;
const LIVE_TIP_MAX_MEMBERS = 50;
/** AVChatRoom seqs (never stored) are recorded on the group once per this many (storeMessage). */
const ONLINE_SEQ_BLOCK = 1000;

/** A group message as sent, for what follows storing it (GroupsService.announce). */
interface SentGroupMessage {
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

function levelOf(ctx: Ctx, role: Role | 'None'): number {
  if (ctx.isAdmin) return LEVELS['AppAdmin']!;
  return role === 'None' ? 0 : LEVELS[role]!;
}

/**
 * Checks writes of custom fields against the app's declarations: declared keys only, within the
 * declared length, by a writer at or above the field's write level. An app that declared none
 * keeps free key/values within Tencent's sizes.
 */
function checkWrites(declared: DeclaredField[], data: KeyValue[], level: number, what: string): void {
  if (!declared.length) return;
  for (const kv of data) {
    const f = declared.find((d) => d.key === kv.Key);
    if (!f) throw fail(GroupCode.INVALID_PARAMETER, `${kv.Key} is not a declared ${what} field`);
    if (Buffer.byteLength(kv.Value) > f.maxLength) throw fail(GroupCode.INVALID_PARAMETER, `${kv.Key} is at most ${f.maxLength} bytes`);
    if (level < LEVELS[f.writeLevel]!) throw fail(GroupCode.NO_PERMISSION, `you may not write ${kv.Key}`);
  }
}

/** The custom fields a reader at `level` may see. */
function readable(declared: DeclaredField[], data: KeyValue[], level: number): KeyValue[] {
  if (!declared.length) return data;
  return data.filter((kv) => {
    const f = declared.find((d) => d.key === kv.Key);
    return f !== undefined && level >= LEVELS[f.readLevel]!;
  });
}

// --- body readers (group service codes: 10004 bad parameter, 60015 account not a string) ---

function str(body: Json, name: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = body[name];
  if (v === undefined) {
    if (opts.required) throw fail(GroupCode.INVALID_PARAMETER, `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw fail(name.endsWith('Account') ? ErrorCode.ACCOUNT_NOT_STRING : GroupCode.INVALID_PARAMETER, `${name} must be a string`);
  if (opts.max !== undefined && Buffer.byteLength(v) > opts.max) throw fail(GroupCode.INVALID_PARAMETER, `${name} is longer than ${opts.max} bytes`);
  return v;
}

function account(body: Json, name: string, required = true): string | undefined {
  const v = str(body, name, { required });
  if (v !== undefined && !isValidUserId(v)) throw fail(GroupCode.INVALID_PARAMETER, `${name} is not a valid account`);
  return v;
}

function uint(body: Json, name: string, max = 0xffffffff): number | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be an integer in 0-${max}`);
  return v;
}

function list(body: Json, name: string, max: number, required = true): unknown[] {
  const v = body[name];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v) || (required && v.length === 0)) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be a non-empty array`);
  if (v.length > max) throw fail(GroupCode.TOO_MANY_IN_REQUEST, `${name} holds at most ${max} items`);
  return v;
}

function accounts(body: Json, name: string, max: number, required = true): string[] {
  return list(body, name, max, required).map((a) => {
    if (typeof a !== 'string') throw fail(ErrorCode.ACCOUNT_NOT_STRING, `${name} entries must be strings`);
    if (!isValidUserId(a)) throw fail(GroupCode.INVALID_PARAMETER, `invalid account ${JSON.stringify(a)} in ${name}`);
    return a;
  });
}

function keyValues(body: Json, name: string, maxItems: number, maxValue: number): KeyValue[] | undefined {
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
function memberLimit(body: Json, name: string, kind: GroupKind): number | undefined {
  return uint(body, name, kind === 'AVChatRoom' ? AVCHATROOM_MEMBER_LIMIT_MAX : MEMBER_LIMIT_MAX);
}

/** The custom fields a ResponseFilter's AppDefinedDataFilter_* names (all when it names none). */
function keyFilter(filter: Json, name: string): ((data: KeyValue[]) => KeyValue[]) | undefined {
  const keys = filter[name];
  if (keys === undefined) return undefined;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw fail(GroupCode.INVALID_PARAMETER, `${name} must be an array of keys`);
  return (data) => data.filter((kv) => keys.includes(kv.Key));
}

function muteTime(body: Json): number | undefined {
  return uint(body, 'MuteTime') ?? uint(body, 'ShutUpTime');
}

/**
 * Groups: Tencent's group_open_http_svc commands and their client equivalents, with each type's
 * rules (group-rules.ts). Bodies are Tencent's JSON; answers are Tencent's response fields.
 * The app admin acts as owner in every group, member or not.
 */
@Injectable()
export class GroupsService {
  private readonly logger = new Logger(GroupsService.name);
  private readonly seq: RedisSequence;
  private readonly sendClaims: DedupeClaims<Json>;

  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(GroupBeforeCallbacks) private readonly beforeCallbacks: GroupBeforeCallbacks,
    @Inject(GroupSendExceptions) private readonly sendExceptions: GroupSendExceptions,
  ) {
    this.seq = new RedisSequence(redis.redis);
    this.sendClaims = new DedupeClaims(redis.redis);
  }

  /** Runs one command; unknown commands are 60009 (as an unknown REST path). */
  async execute(ctx: Ctx, command: string, body: Json): Promise<Json> {
    const handler = ownEntry(this.handlers, command);
    if (!handler) throw fail(ErrorCode.BAD_RESOURCE, `unknown group command ${command}`);
    // Third-party callbacks (Group.CallbackBefore*): may refuse, drop or rewrite the request.
    const before = await this.beforeCallbacks.check(ctx, command, body);
    if (before.answer) return before.answer;
    if (command !== 'send_group_msg') return handler(ctx, before.body);
    // Group.CallbackSendMsgException: a refused send is reported to the app's backend.
    return reportSendFailure(ctx, before.body, () => handler(ctx, before.body), this.sendExceptions);
  }

  private readonly handlers: Record<string, (ctx: Ctx, body: Json) => Promise<Json>> = {
    create_group: (c, b) => this.create(c, b),
    get_group_info: (c, b) => this.info(c, b),
    get_group_member_info: (c, b) => this.memberInfo(c, b),
    modify_group_base_info: (c, b) => this.modifyInfo(c, b),
    add_group_member: (c, b) => this.addMembers(c, b),
    delete_group_member: (c, b) => this.deleteMembers(c, b),
    modify_group_member_info: (c, b) => this.modifyMember(c, b),
    destroy_group: (c, b) => this.destroy(c, b),
    get_joined_group_list: (c, b) => this.joined(c, b),
    get_role_in_group: (c, b) => this.roles(c, b),
    forbid_send_msg: (c, b) => this.forbid(c, b),
    get_group_muted_account: (c, b) => this.muted(c, b, false),
    get_group_shutted_uin: (c, b) => this.muted(c, b, true),
    change_group_owner: (c, b) => this.changeOwner(c, b),
    send_group_msg: (c, b) => this.send(c, b),
    send_group_system_notification: (c, b) => this.systemNotification(c, b),
    group_msg_recall: (c, b) => this.recall(c, b),
    modify_group_msg: (c, b) => this.modifyMessage(c, b),
    group_msg_get_simple: (c, b) => this.history(c, b),
    get_appid_group_list: (c, b) => this.appGroups(c, b),
    get_online_member_num: (c, b) => this.onlineNum(c, b),
    send_broadcast_msg: (c, b) => this.broadcast(c, b),
    import_group: (c, b) => this.importGroup(c, b),
    import_group_member: (c, b) => this.importMembers(c, b),
    import_group_msg: (c, b) => this.importMessages(c, b),
    set_unread_msg_num: (c, b) => this.setUnread(c, b),
    delete_group_msg_by_sender: (c, b) => this.deleteBySender(c, b),
    // Client-only operations (WebSocket): join/apply, quit, answer an application, read report.
    apply_join_group: (c, b) => this.applyJoin(c, b),
    quit_group: (c, b) => this.quit(c, b),
    handle_join_application: (c, b) => this.handleApplication(c, b),
    get_join_applications: (c, b) => this.applications(c, b),
    set_read: (c, b) => this.setRead(c, b),
  };

  // --- groups -------------------------------------------------------------------------------

  private async create(ctx: Ctx, body: Json, silent = false, defaultMaxMembers?: number): Promise<Json> {
    const typeName = str(body, 'Type', { required: true })!;
    const kind = kindOf(typeName);
    if (!kind) throw fail(GroupCode.INVALID_PARAMETER, 'Type is Private/Work, Public, ChatRoom/Meeting or AVChatRoom');
    const rules = RULES[kind];
    const name = str(body, 'Name', { required: true, max: NAME_MAX })!;
    if (!name) throw fail(GroupCode.INVALID_PARAMETER, 'Name must not be empty');
    const owner = ctx.isAdmin ? account(body, 'Owner_Account', false) : ctx.operator;
    // Tencent's default for every type; types without applications (or with free joining) ignore it.
    const apply = str(body, 'ApplyJoinOption') ?? 'NeedPermission';
    if (!APPLY_OPTIONS.includes(apply)) throw fail(GroupCode.INVALID_PARAMETER, `ApplyJoinOption is ${APPLY_OPTIONS.join(', ')}`);
    const settings = await this.repo.appSettings(ctx.sdkAppId);
    const appMax = settings.maxMembers[kind] ?? 0;
    const maxMembers = memberLimit(body, 'MaxMemberCount', kind) ?? (appMax || defaultMaxMembers || rules.defaultMaxMembers);
    if (appMax && maxMembers > appMax) throw fail(GroupCode.INVALID_PARAMETER, `MaxMemberCount is at most ${appMax} for this app`);
    const appDefinedData = keyValues(body, 'AppDefinedData', 10, 512) ?? [];
    const creatorLevel = ctx.isAdmin ? LEVELS['AppAdmin']! : LEVELS['Owner']!;
    checkWrites(settings.groupFields, appDefinedData, creatorLevel, 'group');
    const memberItems = rules.memberList ? list(body, 'MemberList', 100, false) : [];
    if (!rules.memberList && body['MemberList'] !== undefined) throw fail(GroupCode.INVALID_PARAMETER, 'an AVChatRoom has no member list');
    const members = memberItems.map((m) => {
      const o = (m ?? {}) as Json;
      const role = str(o, 'Role');
      if (role !== undefined && role !== 'Admin' && role !== 'Member') throw fail(GroupCode.INVALID_PARAMETER, 'Role in MemberList is Admin or Member');
      if (role === 'Admin' && !rules.admins) throw fail(GroupCode.INVALID_PARAMETER, `a ${typeName} group has no admins`);
      const data = keyValues(o, 'AppMemberDefinedData', 5, 64) ?? [];
      checkWrites(settings.memberFields, data, creatorLevel, 'member');
      return { userId: account(o, 'Member_Account')!, role: (role ?? 'Member') as Role, data };
    });
    const everyone = [...new Set([...(owner ? [owner] : []), ...members.map((m) => m.userId)])];
    if (rules.defaultMaxMembers && everyone.length > maxMembers) throw fail(GroupCode.GROUP_FULL, 'more members than MaxMemberCount');
    await this.requireAccounts(ctx.sdkAppId, everyone);
    for (const u of everyone) await this.requireJoinRoom(ctx.sdkAppId, u);

    const customId = str(body, 'GroupId');
    let groupId = customId ?? '';
    if (customId !== undefined) {
      if (!customId || Buffer.byteLength(customId) > CUSTOM_ID_MAX || customId.startsWith('@TGS#') || !/^[\x20-\x7e]+$/.test(customId)) {
        throw fail(GroupCode.GROUP_ID_INVALID, `GroupId is printable ASCII, at most ${CUSTOM_ID_MAX} bytes, not starting with @TGS#`);
      }
    }
    const t = now();
    for (let attempt = 0; ; attempt++) {
      if (customId === undefined) groupId = `@TGS#${rules.idDigit}${generatedSuffix()}`;
      const created = await this.repo.createGroup({
        _id: `${ctx.sdkAppId}:${groupId}`,
        sdkAppId: ctx.sdkAppId,
        groupId,
        kind,
        typeName,
        name,
        introduction: str(body, 'Introduction', { max: INTRODUCTION_MAX }) ?? '',
        notification: str(body, 'Notification', { max: NOTIFICATION_MAX }) ?? '',
        faceUrl: str(body, 'FaceUrl', { max: FACE_URL_MAX }) ?? '',
        owner: owner ?? '',
        createTime: t,
        infoSeq: 1,
        lastInfoTime: t,
        lastMsgTime: 0,
        maxMemberNum: maxMembers,
        applyJoinOption: apply,
        muteAll: false,
        appDefinedData,
        activated: !rules.needsFirstMessage,
      });
      if (created) break;
      if (customId !== undefined) throw fail(GroupCode.GROUP_ID_TAKEN, `group ${groupId} exists already`);
      if (attempt > 5) throw fail(GroupCode.INTERNAL, 'could not allocate a group id');
    }
    if (rules.memberList) {
      for (const u of everyone) {
        const m = members.find((x) => x.userId === u);
        await this.repo.addMember(this.newMember(ctx.sdkAppId, groupId, u, u === owner ? 'Owner' : (m?.role ?? 'Member'), rules, 0, m?.data ?? []));
      }
    }
    await this.changed(ctx, groupId, kind, 'Created', everyone, { Type: typeName, Name: name, Owner_Account: owner ?? '' });
    if (rules.memberList && !silent) await this.system(ctx.sdkAppId, groupId, everyone, 6, { Operator_Account: ctx.operator });
    return { GroupId: groupId };
  }

  private async info(ctx: Ctx, body: Json): Promise<Json> {
    const ids = list(body, 'GroupIdList', 50);
    const filter = (body['ResponseFilter'] ?? {}) as Json;
    const baseFilter = Array.isArray(filter['GroupBaseInfoFilter']) ? (filter['GroupBaseInfoFilter'] as string[]) : undefined;
    const memberFilter = Array.isArray(filter['MemberInfoFilter']) ? (filter['MemberInfoFilter'] as string[]) : undefined;
    const groupData = keyFilter(filter, 'AppDefinedDataFilter_Group');
    const memberData = keyFilter(filter, 'AppDefinedDataFilter_GroupMember');
    // One read of the app's declared fields for the whole batch (up to 50 groups).
    const settings = await this.repo.appSettings(ctx.sdkAppId);
    const out = await Promise.all(
      ids.map(async (raw) => {
        if (typeof raw !== 'string' || !raw || Buffer.byteLength(raw) > 96) return { GroupId: String(raw), ErrorCode: GroupCode.GROUP_ID_INVALID, ErrorInfo: 'invalid group id' };
        const g = await this.repo.group(ctx.sdkAppId, raw);
        if (!g) return { GroupId: raw, ErrorCode: GroupCode.GROUP_NOT_FOUND, ErrorInfo: 'group not found' };
        const rules = RULES[g.kind as GroupKind];
        const members = rules.memberList ? await this.repo.memberList(ctx.sdkAppId, raw) : [];
        const me = members.find((m) => m.userId === ctx.operator);
        const level = levelOf(ctx, g.owner === ctx.operator ? 'Owner' : ((me?.role as Role | undefined) ?? 'None'));
        // Tencent's visibility: a Work group is invisible to non-members; other groups show a
        // non-member their public profile only (what one needs to decide to join), never members,
        // mutes, read positions, custom data or activity.
        const outsider = !ctx.isAdmin && rules.memberList && !me && g.owner !== ctx.operator;
        if (outsider && g.kind === 'Work') {
          return { GroupId: raw, ErrorCode: GroupCode.NO_PERMISSION, ErrorInfo: 'not a member of this group' };
        }
        const base: Json = {
          GroupId: raw,
          ErrorCode: 0,
          ErrorInfo: '',
          Type: g.typeName,
          Name: g.name,
          Appid: ctx.sdkAppId,
          Introduction: g.introduction,
          Notification: g.notification,
          FaceUrl: g.faceUrl,
          Owner_Account: g.owner,
          CreateTime: g.createTime,
          InfoSeq: g.infoSeq,
          LastInfoTime: g.lastInfoTime,
          LastMsgTime: g.lastMsgTime,
          NextMsgSeq: (await this.lastSeq(ctx.sdkAppId, g)) + 1,
          MemberNum: rules.memberList ? members.length : await this.memberCount(ctx.sdkAppId, g),
          MaxMemberNum: g.maxMemberNum,
          ApplyJoinOption: g.applyJoinOption,
          MuteAllMember: g.muteAll ? 'On' : 'Off',
          AppDefinedData: (groupData ?? ((d: KeyValue[]) => d))(readable(settings.groupFields, g.appDefinedData ?? [], level)),
        };
        // Naming custom keys asks for them, whatever the base filter lists.
        const always = ['GroupId', 'ErrorCode', 'ErrorInfo', ...(groupData ? ['AppDefinedData'] : [])];
        const shown = (k: string) => (!baseFilter || [...always, ...baseFilter].includes(k)) && (!outsider || OUTSIDER_FIELDS.has(k));
        const picked = Object.fromEntries(Object.entries(base).filter(([k]) => shown(k)));
        if (!outsider && rules.memberList && (memberFilter || memberData || !baseFilter)) {
          const mutes = await this.muteMap(ctx.sdkAppId, raw);
          picked['MemberList'] = members.map((m) => this.memberView(m, mutes.get(m.userId) ?? 0, memberFilter, settings.memberFields, level, memberData));
        }
        return picked;
      }),
    );
    return { GroupInfo: out };
  }

  private async memberInfo(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList) throw fail(GroupCode.NO_PERMISSION, 'an AVChatRoom keeps no member list');
    if (!ctx.isAdmin) await this.requireMember(ctx, g);
    const roleFilter = Array.isArray(body['MemberRoleFilter']) ? (body['MemberRoleFilter'] as string[]) : undefined;
    const fields = Array.isArray(body['MemberInfoFilter']) ? (body['MemberInfoFilter'] as string[]) : undefined;
    const limit = uint(body, 'Limit', 6000) ?? 6000;
    const offset = uint(body, 'Offset') ?? 0;
    const memberData = keyFilter(body, 'AppDefinedDataFilter_GroupMember');
    const all = (await this.repo.memberList(ctx.sdkAppId, g.groupId)).filter((m) => !roleFilter || roleFilter.includes(m.role));
    const mutes = await this.muteMap(ctx.sdkAppId, g.groupId);
    const settings = await this.repo.appSettings(ctx.sdkAppId);
    const level = levelOf(ctx, await this.operatorRole(ctx, g));
    return { MemberNum: all.length, MemberList: all.slice(offset, offset + (limit || 6000)).map((m) => this.memberView(m, mutes.get(m.userId) ?? 0, fields, settings.memberFields, level, memberData)) };
  }

  private async modifyInfo(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    const role = await this.operatorRole(ctx, g);
    const set: Partial<GroupDoc> = {};
    const basic = { Name: NAME_MAX, Introduction: INTRODUCTION_MAX, Notification: NOTIFICATION_MAX, FaceUrl: FACE_URL_MAX } as const;
    const fieldOf = { Name: 'name', Introduction: 'introduction', Notification: 'notification', FaceUrl: 'faceUrl' } as const;
    for (const [field, max] of Object.entries(basic) as [keyof typeof basic, number][]) {
      const v = str(body, field, { max });
      if (v !== undefined) {
        if (field === 'Name' && !v) throw fail(GroupCode.INVALID_PARAMETER, 'Name must not be empty');
        set[fieldOf[field]] = v;
      }
    }
    const privileged: Partial<GroupDoc> = {};
    const settings = await this.repo.appSettings(ctx.sdkAppId);
    const maxNum = memberLimit(body, 'MaxMemberNum', g.kind as GroupKind);
    if (maxNum !== undefined) {
      const appMax = settings.maxMembers[g.kind] ?? 0;
      if (appMax && maxNum > appMax) throw fail(GroupCode.INVALID_PARAMETER, `MaxMemberNum is at most ${appMax} for this app`);
      privileged.maxMemberNum = maxNum;
    }
    const apply = str(body, 'ApplyJoinOption');
    if (apply !== undefined) {
      if (!APPLY_OPTIONS.includes(apply)) throw fail(GroupCode.INVALID_PARAMETER, `ApplyJoinOption is ${APPLY_OPTIONS.join(', ')}`);
      privileged.applyJoinOption = apply;
    }
    const muteAll = str(body, 'MuteAllMember') ?? str(body, 'ShutUpAllMember');
    if (muteAll !== undefined) {
      if (muteAll !== 'On' && muteAll !== 'Off') throw fail(GroupCode.INVALID_PARAMETER, 'MuteAllMember is On or Off');
      privileged.muteAll = muteAll === 'On';
    }
    const data = keyValues(body, 'AppDefinedData', 10, 512);
    let fieldsChange: KeyValue[] | undefined;
    if (data !== undefined) {
      // Declared fields carry their own write levels; without declarations only owner/admins write.
      checkWrites(settings.groupFields, data.filter((kv) => kv.Value !== ''), levelOf(ctx, role), 'group');
      const merged = new Map((g.appDefinedData ?? []).map((kv) => [kv.Key, kv.Value]));
      for (const kv of data) {
        if (kv.Value === '') merged.delete(kv.Key);
        else merged.set(kv.Key, kv.Value);
      }
      if (merged.size > 10) throw fail(GroupCode.INVALID_PARAMETER, 'at most 10 AppDefinedData keys');
      fieldsChange = [...merged].map(([Key, Value]) => ({ Key, Value }));
      if (settings.groupFields.length) set.appDefinedData = fieldsChange;
      else privileged.appDefinedData = fieldsChange;
    }
    const mayEdit = role === 'Owner' || (rules.editInfo === 'admin' && role === 'Admin') || (rules.editInfo === 'member' && role !== 'None');
    const basicChanged = Object.keys(set).some((k) => k !== 'appDefinedData');
    if (basicChanged && !mayEdit) throw fail(GroupCode.NO_PERMISSION, 'you may not edit this group\'s information');
    if (Object.keys(privileged).length && role !== 'Owner' && !(role === 'Admin' && rules.admins)) throw fail(GroupCode.NO_PERMISSION, 'only the owner or an admin may change these settings');
    const all = { ...set, ...privileged };
    if (!Object.keys(all).length) throw fail(GroupCode.INVALID_PARAMETER, 'nothing to change');
    await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $set: { ...all, lastInfoTime: now() }, $inc: { infoSeq: 1 } });
    await this.changed(ctx, g.groupId, g.kind, 'InfoChanged', [], body);
    await this.tip(ctx, g, 6, [], { Changes: body });
    return {};
  }

  private async destroy(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!ctx.isAdmin && !(rules.disbandByOwner && g.owner === ctx.operator)) throw fail(GroupCode.NO_PERMISSION, rules.disbandByOwner ? 'only the owner may disband the group' : 'only the app admin may disband a Work group');
    const members = await this.audience(ctx.sdkAppId, g);
    await this.repo.deleteGroup(ctx.sdkAppId, g.groupId);
    // Members hear of it before the room's gateways are forgotten.
    if (g.kind === 'AVChatRoom') await this.fanOutLive(ctx.sdkAppId, g.groupId, 'group_system', { GroupId: g.groupId, Type: 5, Operator_Account: ctx.operator }, '');
    await this.redis.redis.del(GroupKeys.live(ctx.sdkAppId, g.groupId), GroupKeys.liveGateways(ctx.sdkAppId, g.groupId), GroupKeys.liveGatewayFailures(ctx.sdkAppId, g.groupId));
    await this.changed(ctx, g.groupId, g.kind, 'Destroyed', members, { Type: g.typeName, Name: g.name, Owner_Account: g.owner });
    if (g.kind !== 'AVChatRoom') await this.system(ctx.sdkAppId, g.groupId, members, 5, { Operator_Account: ctx.operator });
    return {};
  }

  private async changeOwner(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const next = account(body, 'NewOwner_Account')!;
    if (!ctx.isAdmin && g.owner !== ctx.operator) throw fail(GroupCode.NO_PERMISSION, 'only the owner may hand the group over');
    if (!RULES[g.kind as GroupKind].memberList) {
      await this.requireAccounts(ctx.sdkAppId, [next]);
    } else {
      if (!(await this.repo.member(ctx.sdkAppId, g.groupId, next))) throw fail(GroupCode.NO_PERMISSION, 'the new owner must be a member');
      if (g.owner) await this.repo.updateMember(ctx.sdkAppId, g.groupId, g.owner, { $set: { role: 'Member' } });
      await this.repo.updateMember(ctx.sdkAppId, g.groupId, next, { $set: { role: 'Owner' } });
    }
    await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $set: { owner: next, lastInfoTime: now() }, $inc: { infoSeq: 1 } });
    await this.changed(ctx, g.groupId, g.kind, 'OwnerChanged', [next], { OldOwner_Account: g.owner, NewOwner_Account: next });
    await this.tip(ctx, g, 6, [next], { Changes: { Owner_Account: next } });
    return {};
  }

  private async appGroups(ctx: Ctx, body: Json): Promise<Json> {
    if (!ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'app admins only');
    const limit = Math.min(uint(body, 'Limit', 10_000) || 10_000, 10_000);
    const next = uint(body, 'Next', Number.MAX_SAFE_INTEGER) ?? 0;
    const type = str(body, 'GroupType');
    const kind = type === undefined ? undefined : kindOf(type);
    if (type !== undefined && !kind) throw fail(GroupCode.INVALID_PARAMETER, 'unknown GroupType');
    // Next is an offset into the app's groups in id order.
    const all = (await this.repo.appGroups(ctx.sdkAppId, '', 100_000)).filter((g) => !kind || g.kind === kind);
    const page = all.slice(next, next + limit);
    const after = next + page.length;
    return { TotalCount: all.length, GroupIdList: page.map((g) => ({ GroupId: g.groupId })), Next: after < all.length ? after : 0 };
  }

  private async joined(ctx: Ctx, body: Json): Promise<Json> {
    const user = ctx.isAdmin ? account(body, 'Member_Account')! : ctx.operator;
    const withHuge = body['WithHugeGroups'] === 1;
    const withInactive = body['WithNoActiveGroups'] === 1;
    const type = str(body, 'GroupType');
    const kind = type === undefined ? undefined : kindOf(type);
    if (type !== undefined && !kind) throw fail(GroupCode.INVALID_PARAMETER, 'unknown GroupType');
    const limit = uint(body, 'Limit') || Number.MAX_SAFE_INTEGER;
    const offset = uint(body, 'Offset') ?? 0;
    const filter = (body['ResponseFilter'] ?? {}) as Json;
    const baseFilter = Array.isArray(filter['GroupBaseInfoFilter']) ? (filter['GroupBaseInfoFilter'] as string[]) : [];
    const selfFilter = Array.isArray(filter['SelfInfoFilter']) ? (filter['SelfInfoFilter'] as string[]) : [];
    const entries = await this.repo.groupsOf(ctx.sdkAppId, user);
    // AVChatRooms have no member documents: WithHugeGroups adds the rooms whose audience the user is in.
    const live = withHuge && (!kind || kind === 'AVChatRoom') ? await liveRoomsOf(this.redis, ctx.sdkAppId, user) : [];
    const ids = [...new Set([...entries.map((e) => e.groupId), ...live])];
    const groups = (await Promise.all(ids.map((id) => this.repo.group(ctx.sdkAppId, id)))).filter(
      (g): g is GroupDoc => g !== null && (withHuge || g.kind !== 'AVChatRoom') && (withInactive || g.activated) && (!kind || g.kind === kind),
    );
    const page = groups.slice(offset, offset + limit);
    const items = await Promise.all(
      page.map(async (g) => {
        const item: Json = { GroupId: g.groupId };
        const base: Json = { Type: g.typeName, Name: g.name, Introduction: g.introduction, Notification: g.notification, FaceUrl: g.faceUrl, Owner_Account: g.owner, CreateTime: g.createTime, InfoSeq: g.infoSeq, LastInfoTime: g.lastInfoTime, LastMsgTime: g.lastMsgTime, MaxMemberNum: g.maxMemberNum, ApplyJoinOption: g.applyJoinOption, MuteAllMember: g.muteAll ? 'On' : 'Off' };
        // The base fields that cost a read are only read when asked for.
        if (baseFilter.includes('NextMsgSeq')) base['NextMsgSeq'] = (await this.lastSeq(ctx.sdkAppId, g)) + 1;
        if (baseFilter.includes('MemberNum')) base['MemberNum'] = await this.memberCount(ctx.sdkAppId, g);
        for (const f of baseFilter) if (f in base) item[f] = base[f];
        if (selfFilter.length) {
          const m = await this.repo.member(ctx.sdkAppId, g.groupId, user);
          const self: Json = { Role: m?.role ?? 'NotMember', JoinTime: m?.joinTime ?? 0, MsgFlag: m?.msgFlag ?? '', UnreadMsgNum: m ? await this.unreadOf(ctx.sdkAppId, g, m) : 0, NameCard: m?.nameCard ?? '' };
          item['SelfInfo'] = Object.fromEntries(Object.entries(self).filter(([k]) => selfFilter.includes(k)));
        }
        return item;
      }),
    );
    return { TotalCount: groups.length, GroupIdList: items };
  }

  private async roles(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    // Who holds which role is members' knowledge (AVChatRoom audiences are whoever is in the room).
    if (!ctx.isAdmin && RULES[g.kind as GroupKind].memberList && g.owner !== ctx.operator) await this.requireMember(ctx, g);
    const users = accounts(body, 'User_Account', 500);
    const out = await Promise.all(
      users.map(async (u) => {
        const role = u === g.owner ? 'Owner' : ((await this.repo.member(ctx.sdkAppId, g.groupId, u))?.role ?? 'NotMember');
        return { Member_Account: u, Role: role };
      }),
    );
    return { UserIdList: out };
  }

  // --- members ------------------------------------------------------------------------------

  private async addMembers(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList) throw fail(GroupCode.NO_PERMISSION, 'members cannot be added to an AVChatRoom');
    const role = await this.operatorRole(ctx, g);
    // Admins add anyone; in a Work group any member may invite (no consent, no approval).
    if (!ctx.isAdmin && !(rules.memberInvite && role !== 'None')) throw fail(GroupCode.NO_PERMISSION, `members cannot invite to a ${g.typeName} group`);
    const silence = uint(body, 'Silence', 1) === 1;
    const wanted = list(body, 'MemberList', 100).map((m) => account((m ?? {}) as Json, 'Member_Account')!);
    const unique = [...new Set(wanted)];
    const known = await this.existing(ctx.sdkAppId, unique);
    const current = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    const fresh: string[] = [];
    for (const u of unique) if (known.has(u) && !(await this.repo.member(ctx.sdkAppId, g.groupId, u))) fresh.push(u);
    if (g.maxMemberNum && current + fresh.length > g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    const result = new Map<string, number>();
    const lastSeq = await this.lastSeq(ctx.sdkAppId, g);
    for (const u of unique) {
      if (!known.has(u)) result.set(u, 0);
      else if (!fresh.includes(u)) result.set(u, 2);
      else {
        try {
          await this.requireJoinRoom(ctx.sdkAppId, u);
          result.set(u, (await this.repo.addMember(this.newMember(ctx.sdkAppId, g.groupId, u, 'Member', rules, lastSeq, []))) ? 1 : 2);
        } catch {
          result.set(u, 0);
        }
      }
    }
    const added = unique.filter((u) => result.get(u) === 1);
    if (added.length) {
      // Group.CallbackAfterGroupFull when these members filled it.
      const full = Boolean(g.maxMemberNum) && current + added.length >= g.maxMemberNum;
      await this.changed(ctx, g.groupId, g.kind, 'MemberJoined', added, { JoinType: 'Invited', Operator_Account: ctx.operator, ...(full ? { GroupFull: true } : {}) });
      if (!silence) await this.tip(ctx, g, 1, added, {});
      await this.system(ctx.sdkAppId, g.groupId, added, 7, { Operator_Account: ctx.operator });
    }
    return { MemberList: wanted.map((u) => ({ Member_Account: u, Result: result.get(u) ?? 0 })) };
  }

  private async deleteMembers(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList || rules.kick === 'none') throw fail(GroupCode.NO_PERMISSION, `members of a ${g.typeName} group cannot be removed (mute them instead)`);
    const role = await this.operatorRole(ctx, g);
    const targets = accounts(body, 'MemberToDel_Account', 500);
    const silence = uint(body, 'Silence', 1) === 1;
    const reason = str(body, 'Reason') ?? '';
    const removed: string[] = [];
    for (const u of [...new Set(targets)]) {
      const m = await this.repo.member(ctx.sdkAppId, g.groupId, u);
      if (!m) continue;
      if (m.role === 'Owner') throw fail(GroupCode.NO_PERMISSION, 'the owner cannot be removed');
      const allowed = role === 'Owner' || (rules.kick === 'admin' && role === 'Admin' && m.role === 'Member');
      if (!allowed) throw fail(GroupCode.NO_PERMISSION, 'you may not remove this member');
    }
    for (const u of [...new Set(targets)]) if (await this.repo.removeMember(ctx.sdkAppId, g.groupId, u)) removed.push(u);
    if (removed.length) {
      await this.changed(ctx, g.groupId, g.kind, 'MemberKicked', removed, { Operator_Account: ctx.operator, Reason: reason });
      if (!silence) await this.tip(ctx, g, 3, removed, {});
      await this.system(ctx.sdkAppId, g.groupId, removed, 4, { Operator_Account: ctx.operator, Reason: reason });
    }
    return {};
  }

  private async modifyMember(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    const user = account(body, 'Member_Account')!;
    const opRole = await this.operatorRole(ctx, g);
    const self = !ctx.isAdmin && user === ctx.operator;
    const target = rules.memberList ? await this.repo.member(ctx.sdkAppId, g.groupId, user) : null;
    if (rules.memberList && !target) throw fail(GroupCode.NO_PERMISSION, `${user} is not a member`);
    const set: Partial<MemberDoc> = {};
    const role = str(body, 'Role');
    if (role !== undefined) {
      if (role !== 'Admin' && role !== 'Member') throw fail(GroupCode.INVALID_PARAMETER, 'Role is Admin or Member');
      if (!rules.admins) throw fail(GroupCode.NO_PERMISSION, `a ${g.typeName} group has no admins`);
      if (opRole !== 'Owner') throw fail(GroupCode.NO_PERMISSION, 'only the owner sets admins');
      if (target?.role === 'Owner') throw fail(GroupCode.NO_PERMISSION, 'the owner\'s role cannot change');
      set.role = role;
    }
    const flag = str(body, 'MsgFlag');
    if (flag !== undefined) {
      if (!MSG_FLAGS.includes(flag)) throw fail(GroupCode.INVALID_PARAMETER, `MsgFlag is ${MSG_FLAGS.join(', ')}`);
      if (!self && !ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'members set their own MsgFlag');
      set.msgFlag = flag;
    }
    const card = str(body, 'NameCard', { max: NAME_CARD_MAX });
    if (card !== undefined) {
      if (!self && opRole !== 'Owner' && opRole !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'you may not change this name card');
      set.nameCard = card;
    }
    const data = keyValues(body, 'AppMemberDefinedData', 5, 64);
    if (data !== undefined) {
      const declared = (await this.repo.appSettings(ctx.sdkAppId)).memberFields;
      if (!declared.length && !self && opRole !== 'Owner' && opRole !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'you may not change this member\'s data');
      checkWrites(declared, data.filter((kv) => kv.Value !== ''), levelOf(ctx, self ? ((target?.role as Role | undefined) ?? 'Member') : opRole), 'member');
      // Merged per key as AppDefinedData is (an empty Value deletes its key), not replaced.
      const merged = new Map((target?.appMemberDefinedData ?? []).map((kv) => [kv.Key, kv.Value]));
      for (const kv of data) {
        if (kv.Value === '') merged.delete(kv.Key);
        else merged.set(kv.Key, kv.Value);
      }
      if (merged.size > 5) throw fail(GroupCode.INVALID_PARAMETER, 'at most 5 AppMemberDefinedData keys');
      set.appMemberDefinedData = [...merged].map(([Key, Value]) => ({ Key, Value }));
    }
    const mute = muteTime(body);
    if (!Object.keys(set).length && mute === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'nothing to change');
    // Every refusal comes before the first write.
    if (Object.keys(set).length && !target) throw fail(GroupCode.NO_PERMISSION, 'an AVChatRoom keeps no member data');
    if (mute !== undefined) await this.applyMute(ctx, g, opRole, [user], mute);
    if (Object.keys(set).length) await this.repo.updateMember(ctx.sdkAppId, g.groupId, user, { $set: set });
    if (set.role) {
      await this.changed(ctx, g.groupId, g.kind, 'RoleChanged', [user], { Role: set.role });
      await this.tip(ctx, g, set.role === 'Admin' ? 4 : 5, [user], {});
      await this.system(ctx.sdkAppId, g.groupId, [user], set.role === 'Admin' ? 9 : 10, { Operator_Account: ctx.operator });
    }
    return {};
  }

  private async forbid(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const users = accounts(body, 'Members_Account', 500);
    const seconds = muteTime(body);
    if (seconds === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'MuteTime is required');
    await this.applyMute(ctx, g, await this.operatorRole(ctx, g), users, seconds);
    return {};
  }

  private async muted(ctx: Ctx, body: Json, old: boolean): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    // Members see who is muted; in an AVChatRoom (no member list) only its owner, who mutes.
    if (!ctx.isAdmin && g.owner !== ctx.operator) {
      if (!RULES[g.kind as GroupKind].memberList) throw fail(GroupCode.NO_PERMISSION, 'only the owner sees the muted list of an AVChatRoom');
      await this.requireMember(ctx, g);
    }
    const t = now();
    const live = (await this.repo.mutesOf(ctx.sdkAppId, g.groupId)).filter((m) => m.until > t);
    return old
      ? { GroupId: g.groupId, ShuttedUinList: live.map((m) => ({ Member_Account: m.userId, ShuttedUntil: m.until })) }
      : { GroupId: g.groupId, MutedAccountList: live.map((m) => ({ Member_Account: m.userId, MutedUntil: m.until })) };
  }

  private async applyMute(ctx: Ctx, g: GroupDoc, opRole: Role | 'None', users: string[], seconds: number): Promise<void> {
    const rules = RULES[g.kind as GroupKind];
    if (rules.mute === 'none' && !ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, `members of a ${g.typeName} group cannot be muted`);
    const until = seconds === 0 ? 0 : seconds >= MUTE_FOREVER ? MUTE_FOREVER : now() + seconds;
    for (const u of users) {
      if (u === g.owner) throw fail(GroupCode.NO_PERMISSION, 'the owner cannot be muted');
      if (!ctx.isAdmin) {
        const m = rules.memberList ? await this.repo.member(ctx.sdkAppId, g.groupId, u) : null;
        const allowed = opRole === 'Owner' || (rules.mute === 'admin' && opRole === 'Admin' && (m?.role ?? 'Member') === 'Member');
        if (!allowed) throw fail(GroupCode.NO_PERMISSION, 'you may not mute this member');
      }
    }
    for (const u of users) await this.repo.setMute(ctx.sdkAppId, g.groupId, u, until);
    await this.changed(ctx, g.groupId, g.kind, 'MemberMuted', users, { MuteTime: seconds });
  }

  private async applyJoin(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (g.kind === 'AVChatRoom') {
      if (!ctx.gatewayAddress) throw fail(GroupCode.NO_PERMISSION, 'AVChatRooms are joined from a client connection');
      await this.requireAccounts(ctx.sdkAppId, [ctx.operator]);
      // The audience (for counts) and the gateways holding it (for fan-out, one call each).
      await this.redis.redis.zadd(GroupKeys.live(ctx.sdkAppId, g.groupId), now(), ctx.operator);
      await rememberLiveRoom(this.redis, ctx.sdkAppId, ctx.operator, g.groupId);
      await this.redis.redis.hincrby(GroupKeys.liveGateways(ctx.sdkAppId, g.groupId), `${ctx.gatewayRegion}|${ctx.gatewayAddress}`, 1);
      await this.changed(ctx, g.groupId, g.kind, 'MemberJoined', [ctx.operator], { JoinType: 'Apply' });
      await this.liveMemberTip(ctx, g, 1);
      return { JoinStatus: 'Joined', Live: true };
    }
    if (await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator)) throw fail(GroupCode.ALREADY_MEMBER, 'already a member');
    if (rules.apply === 'none' || g.applyJoinOption === 'DisableApply') throw fail(GroupCode.NO_PERMISSION, 'this group takes no applications');
    if (rules.apply === 'free' || g.applyJoinOption === 'FreeAccess') {
      await this.join(ctx, g, ctx.operator, 'Apply');
      return { JoinStatus: 'Joined' };
    }
    const reason = str(body, 'ApplyMsg', { max: 300 }) ?? '';
    await this.repo.addApplication(ctx.sdkAppId, g.groupId, ctx.operator, reason);
    const approvers = (await this.repo.memberList(ctx.sdkAppId, g.groupId)).filter((m) => m.role === 'Owner' || m.role === 'Admin').map((m) => m.userId);
    await this.system(ctx.sdkAppId, g.groupId, approvers, 1, { Operator_Account: ctx.operator, ApplyMsg: reason });
    return { JoinStatus: 'WaitAdminApproval' };
  }

  private async handleApplication(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const role = await this.operatorRole(ctx, g);
    if (role !== 'Owner' && role !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'only the owner or an admin answers applications');
    const user = account(body, 'Applicant_Account')!;
    const decision = str(body, 'Decision', { required: true });
    if (decision !== 'Agree' && decision !== 'Reject') throw fail(GroupCode.INVALID_PARAMETER, 'Decision is Agree or Reject');
    if (!(await this.repo.takeApplication(ctx.sdkAppId, g.groupId, user))) throw fail(GroupCode.INVALID_PARAMETER, 'no such application');
    if (decision === 'Agree') await this.join(ctx, g, user, 'Apply');
    await this.system(ctx.sdkAppId, g.groupId, [user], decision === 'Agree' ? 2 : 3, { Operator_Account: ctx.operator });
    return {};
  }

  private async applications(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const role = await this.operatorRole(ctx, g);
    if (role !== 'Owner' && role !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'only the owner or an admin sees applications');
    return { Applications: (await this.repo.applicationsOf(ctx.sdkAppId, g.groupId)).map((a) => ({ Applicant_Account: a.userId, ApplyMsg: a.reason, ApplyTime: a.time })) };
  }

  private async quit(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (g.kind === 'AVChatRoom') {
      await this.redis.redis.zrem(GroupKeys.live(ctx.sdkAppId, g.groupId), ctx.operator);
      await forgetLiveRoom(this.redis, ctx.sdkAppId, ctx.operator, g.groupId);
      if (ctx.gatewayAddress) {
        const gw = GroupKeys.liveGateways(ctx.sdkAppId, g.groupId);
        const field = `${ctx.gatewayRegion}|${ctx.gatewayAddress}`;
        if ((await this.redis.redis.hincrby(gw, field, -1)) <= 0) await this.redis.redis.hdel(gw, field);
      }
      await this.changed(ctx, g.groupId, g.kind, 'MemberQuit', [ctx.operator], {});
      await this.liveMemberTip(ctx, g, 2);
      return { Live: true };
    }
    const m = await this.requireMember(ctx, g);
    if (m.role === 'Owner' && !rules.ownerCanQuit) throw fail(GroupCode.OWNER_CANNOT_QUIT, 'the owner cannot quit this group');
    await this.repo.removeMember(ctx.sdkAppId, g.groupId, ctx.operator);
    if (m.role === 'Owner') await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $set: { owner: '' } });
    await this.changed(ctx, g.groupId, g.kind, 'MemberQuit', [ctx.operator], {});
    await this.tip(ctx, g, 2, [ctx.operator], {});
    return {};
  }

  private async join(ctx: Ctx, g: GroupDoc, user: string, how: string): Promise<void> {
    const rules = RULES[g.kind as GroupKind];
    const count = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    if (g.maxMemberNum && count >= g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    await this.requireJoinRoom(ctx.sdkAppId, user);
    if (!(await this.repo.addMember(this.newMember(ctx.sdkAppId, g.groupId, user, 'Member', rules, await this.lastSeq(ctx.sdkAppId, g), [])))) throw fail(GroupCode.ALREADY_MEMBER, 'already a member');
    await this.changed(ctx, g.groupId, g.kind, 'MemberJoined', [user], { JoinType: how, ...(g.maxMemberNum && count + 1 >= g.maxMemberNum ? { GroupFull: true } : {}) });
    await this.tip(ctx, g, 1, [user], {});
  }

  // --- messages -----------------------------------------------------------------------------

  private async send(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    const from = ctx.isAdmin ? (account(body, 'From_Account', false) ?? ctx.operator) : ctx.operator;
    const random = uint(body, 'Random');
    if (random === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'Random is required');
    const priority = str(body, 'MsgPriority') ?? 'Normal';
    if (!PRIORITIES.includes(priority)) throw fail(GroupCode.INVALID_PARAMETER, `MsgPriority is ${PRIORITIES.join(', ')}`);
    validateMsgBody(body['MsgBody'], ctx.isAdmin ? ErrorCode.MSG_TOO_LONG_REST : ErrorCode.MSG_BODY_TOO_LONG);
    const cloud = str(body, 'CloudCustomData') ?? '';
    // A targeted message (To_Account, ≤50) reaches those members only and counts for no one's
    // unread. The group's history is shared by all its members, so it is not stored there.
    const targets = body['To_Account'] === undefined ? undefined : new Set(accounts(body, 'To_Account', 50));
    if (targets && !rules.memberList) throw fail(GroupCode.INVALID_PARAMETER, 'targeted messages are for Work, Public and Meeting groups');
    const onlineOnly = body['OnlineOnlyFlag'] === 1 || !rules.stores || targets !== undefined;
    const control = Array.isArray(body['SendMsgControl']) ? (body['SendMsgControl'] as unknown[]) : [];
    // ForbidCallbackControl: the before-callback was skipped by GroupBeforeCallbacks; the after one is skipped here.
    const forbid = body['ForbidCallbackControl'];
    if (forbid !== undefined && (!Array.isArray(forbid) || !forbid.every((f) => typeof f === 'string'))) throw fail(GroupCode.INVALID_PARAMETER, 'ForbidCallbackControl must be an array of strings');
    const noAfterCallback = ctx.isAdmin && Array.isArray(forbid) && forbid.includes('ForbidAfterSendMsgCallback');
    const offlinePush = body['OfflinePushInfo'];
    if (offlinePush !== undefined && (typeof offlinePush !== 'object' || offlinePush === null || Array.isArray(offlinePush))) throw fail(GroupCode.INVALID_PARAMETER, 'OfflinePushInfo must be an object');
    const pushErrors = validateOfflinePushInfo(offlinePush);
    if (pushErrors.length) throw fail(GroupCode.INVALID_PARAMETER, pushErrors.join('; '));

    // Who may speak: members (the AVChatRoom audience), not muted, unless an app admin sends.
    let member: MemberDoc | null = null;
    if (rules.memberList) {
      member = await this.repo.member(ctx.sdkAppId, g.groupId, from);
      if (!member && !ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'only members may send to this group');
      if (!member && from !== ctx.operator) throw fail(GroupCode.NO_PERMISSION, `${from} is not a member`);
    } else if (ctx.isAdmin) {
      // From_Account must be an existing account (members of other types are checked above).
      if (from !== ctx.operator) await this.requireAccounts(ctx.sdkAppId, [from]);
    } else if ((await this.redis.redis.zscore(GroupKeys.live(ctx.sdkAppId, g.groupId), from)) === null) {
      throw fail(GroupCode.NO_PERMISSION, 'join the AVChatRoom before sending');
    }
    if (!ctx.isAdmin) {
      const [muteUntil, sender] = await Promise.all([this.repo.muteOf(ctx.sdkAppId, g.groupId, from), this.accountOf(ctx.sdkAppId, from)]);
      if (muteUntil > now()) throw fail(GroupCode.MUTED, 'you are muted in this group');
      if (Number(sender.groupMutedUntil) > now()) throw fail(GroupCode.MUTED, 'you are muted app-wide for group messages');
      const role = member?.role ?? (g.owner === from ? 'Owner' : 'Member');
      if (g.muteAll && role === 'Member') throw fail(GroupCode.MUTED, 'the whole group is muted');
    }
    // At most once per (sender, Random) within the window: the first attempt claims it, retries
    // get its answer (10023 while it still runs).
    const dedupeKey = GroupKeys.dedupe(ctx.sdkAppId, g.groupId, from, random);
    const window = this.config.MERIDIAN_GROUP_DEDUPE_S;
    const earlier = await this.sendClaims.claim(dedupeKey, window);
    if (earlier === 'pending') throw fail(GroupCode.FREQUENCY, 'the same message is being sent; retry shortly');
    if (earlier) return earlier;
    let stored = false;
    try {
      // A new claim, yet an earlier attempt may have stored the message and lost its claim (it
      // died after storing, or Redis lost the claim): that copy is answered and announced again
      // (receivers de-duplicate by seq) instead of being stored a second time.
      // Online-only messages (OnlineOnlyFlag, To_Account, every AVChatRoom message) are never stored: nothing to find.
      const copy = !onlineOnly ? await this.repo.findSent(ctx.sdkAppId, g.groupId, from, random, now() - window) : null;
      if (copy) {
        stored = true;
        const answer = { MsgTime: copy.time, MsgSeq: copy.seq };
        await this.sendClaims.complete(dedupeKey, answer, window);
        const m: SentGroupMessage = { from, random, time: copy.time, msgBody: JSON.parse(copy.body) as unknown, text: copy.body, cloud: copy.cloudCustomData, priority: copy.priority, onlineOnly: false, noUnread: false, noLastMsg: false, noCallbacks: false };
        if (!copy.recalled) await this.announce(ctx, g, member, m, copy.seq, '');
        return answer;
      }
      // Frequency control: client messages over the group's rate are answered but dropped, lowest
      // priority first; app admins are exempt.
      if (!ctx.isAdmin) {
        const second = now();
        const key = GroupKeys.rate(ctx.sdkAppId, g.groupId, second);
        const n = await this.redis.redis.incr(key);
        if (n === 1) await this.redis.redis.expire(key, 2);
        const budget = this.config.MERIDIAN_GROUP_MSG_PER_SECOND;
        const cap = priority === 'High' ? budget * 2 : priority === 'Normal' ? budget : Math.ceil(budget / 2);
        if (n > cap) {
          await this.sendClaims.release(dedupeKey);
          return { MsgTime: second, MsgSeq: 0, MsgDropReason: 'MsgFreqCtrl' };
        }
      }
      const m: SentGroupMessage = {
        from,
        random,
        time: now(),
        msgBody: body['MsgBody'],
        text: JSON.stringify(body['MsgBody']),
        cloud,
        priority,
        onlineOnly,
        noUnread: control.includes('NoUnread'),
        noLastMsg: control.includes('NoLastMsg'),
        noCallbacks: noAfterCallback,
        targets,
      };
      // The point of no return, as for 1:1 sends: a caller that gave up has been told it failed.
      if (ctx.callerGone?.()) throw fail(ErrorCode.INTERNAL_TIMEOUT, 'the caller gave up before the message was stored');
      let seq = 0;
      if (!onlineOnly || g.kind === 'AVChatRoom') {
        seq = await this.storeMessage(ctx.sdkAppId, g, { from, random, time: m.time, body: m.text, cloudCustomData: cloud, priority, tip: false }, onlineOnly);
        stored = true;
      }
      const answer = { MsgTime: m.time, MsgSeq: seq };
      await this.sendClaims.complete(dedupeKey, answer, window);
      await this.announce(ctx, g, member, m, seq, offlinePush ? JSON.stringify(offlinePush) : '');
      return answer;
    } catch (err) {
      if (!stored) await this.sendClaims.release(dedupeKey);
      throw err;
    }
  }

  /** What follows storing a group message: the group's and sender's bookkeeping, the event, the fan-out. */
  private async announce(
    ctx: Ctx,
    g: GroupDoc,
    member: MemberDoc | null,
    m: SentGroupMessage,
    seq: number,
    offlinePush: string,
  ): Promise<void> {
    const rules = RULES[g.kind as GroupKind];
    // The group's last message time orders its members' conversations: SendMsgControl NoLastMsg
    // and targeted messages leave it alone.
    const lastMsg = !m.targets && !m.noLastMsg;
    if (lastMsg || !g.activated) await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { ...(lastMsg ? { $max: { lastMsgTime: m.time } } : {}), ...(g.activated ? {} : { $set: { activated: true } }) });
    // The sender has read up to its own message (as Tencent: own messages are never unread).
    if (member) await this.repo.updateMember(ctx.sdkAppId, g.groupId, m.from, { $set: { lastSendMsgTime: m.time }, ...(seq && rules.unread ? { $max: { msgSeq: seq } } : {}) });
    await this.bus.publish(
      TOPICS.groupEvents,
      `${ctx.sdkAppId}:${g.groupId}`,
      {
        groupMessageStored: {
          groupId: g.groupId,
          groupType: g.typeName,
          msgSeq: String(seq),
          fromAccount: m.from,
          random: m.random,
          msgTime: String(m.time),
          msgBody: Buffer.from(m.text),
          cloudCustomData: m.cloud,
          onlineOnly: m.onlineOnly,
          priority: m.priority,
          noCallbacks: m.noCallbacks,
          origin: originOf(ctx),
        },
      },
      { sdkAppId: ctx.sdkAppId },
    );
    const push = { GroupId: g.groupId, MsgSeq: seq, From_Account: m.from, Random: m.random, MsgTime: m.time, MsgPriority: m.priority, MsgBody: m.msgBody, CloudCustomData: m.cloud, OnlineOnlyFlag: m.onlineOnly ? 1 : 0, NoUnread: m.noUnread || m.targets ? 1 : 0 };
    await this.fanOut(ctx, g, 'group', push, seq, offlinePush, m.targets);
  }

  private async systemNotification(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    if (!ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'app admins only');
    const content = str(body, 'Content', { required: true, max: 12 * 1024 })!;
    const to = accounts(body, 'ToMembers_Account', 500, false);
    if (g.kind === 'AVChatRoom' && !to.length) {
      await this.fanOutLive(ctx.sdkAppId, g.groupId, 'group_system', { GroupId: g.groupId, Type: 255, Content: content }, '');
      return {};
    }
    const audience = await this.audience(ctx.sdkAppId, g);
    const recipients = to.length ? to.filter((u) => audience.includes(u)) : audience;
    await this.system(ctx.sdkAppId, g.groupId, recipients, 255, { Content: content });
    return {};
  }

  private async recall(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.RECALL_UNSUPPORTED, 'AVChatRoom messages are not stored');
    const seqs = list(body, 'MsgSeqList', 10).map((i) => {
      const seq = uint((i ?? {}) as Json, 'MsgSeq');
      if (!seq) throw fail(GroupCode.INVALID_PARAMETER, 'MsgSeqList items are {MsgSeq}');
      return seq;
    });
    const role = await this.operatorRole(ctx, g);
    const out: { MsgSeq: number; RetCode: number }[] = [];
    const recalled: number[] = [];
    for (const seq of seqs) {
      const m = await this.repo.message(ctx.sdkAppId, g.groupId, seq);
      if (!m || m.tip || m.expiresAt.getTime() <= Date.now()) out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
      else if (m.recalled) out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
      else if (!ctx.isAdmin && role !== 'Owner' && role !== 'Admin' && (m.from !== ctx.operator || now() - m.time > this.config.MERIDIAN_GROUP_RECALL_WINDOW_S)) {
        out.push({ MsgSeq: seq, RetCode: m.from !== ctx.operator ? GroupCode.NO_PERMISSION : GroupCode.RECALL_WINDOW });
      } else if (await this.repo.markRecalled(ctx.sdkAppId, g.groupId, seq)) {
        out.push({ MsgSeq: seq, RetCode: 0 });
        recalled.push(seq);
      } else out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
    }
    if (recalled.length) {
      await this.changed(ctx, g.groupId, g.kind, 'MsgRecalled', [], { MsgSeqList: recalled.map((MsgSeq) => ({ MsgSeq })) });
      await this.fanOut(ctx, g, 'group_recall', { GroupId: g.groupId, MsgSeqList: recalled, Operator_Account: ctx.operator }, 0, '{"PushFlag":1}');
    }
    return { RecallRetList: out };
  }

  /**
   * v4/openim/modify_group_msg (app admins): overwrites a stored message's MsgBody and/or
   * CloudCustomData; members get it as `group_modify`. Not for AVChatRooms (nothing is stored).
   */
  private async modifyMessage(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.RECALL_UNSUPPORTED, 'AVChatRoom messages are not stored');
    const seq = uint(body, 'MsgSeq');
    if (!seq) throw fail(GroupCode.INVALID_PARAMETER, 'MsgSeq is required');
    const cloud = str(body, 'CloudCustomData');
    if (body['MsgBody'] === undefined && cloud === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'MsgBody or CloudCustomData is required');
    if (body['MsgBody'] !== undefined) validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
    const m = await this.repo.message(ctx.sdkAppId, g.groupId, seq);
    if (!m || m.tip || m.recalled || m.expiresAt.getTime() <= Date.now()) throw fail(GroupCode.RECALL_NOT_FOUND, 'no such message');
    const set: { body?: string; cloudCustomData?: string } = {};
    if (body['MsgBody'] !== undefined) set.body = JSON.stringify(body['MsgBody']);
    if (cloud !== undefined) set.cloudCustomData = cloud;
    if (!(await this.repo.modifyMessage(ctx.sdkAppId, g.groupId, seq, set))) throw fail(GroupCode.RECALL_NOT_FOUND, 'the message was recalled');
    const notice = {
      GroupId: g.groupId,
      MsgSeq: seq,
      From_Account: m.from,
      Random: m.random,
      MsgTime: m.time,
      MsgPriority: m.priority,
      MsgBody: JSON.parse(set.body ?? m.body) as unknown,
      CloudCustomData: set.cloudCustomData ?? m.cloudCustomData,
    };
    await this.fanOut(ctx, g, 'group_modify', notice, 0, '{"PushFlag":1}');
    return {};
  }

  // --- migration (app admins; not AVChatRoom) ------------------------------------------------

  /** import_group: create_group with a past CreateTime, no notifications. */
  private async importGroup(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const type = str(body, 'Type', { required: true })!;
    if (kindOf(type) === 'AVChatRoom') throw fail(GroupCode.NO_PERMISSION, 'AVChatRooms cannot be imported');
    const createTime = uint(body, 'CreateTime');
    if (createTime !== undefined && createTime > now()) throw fail(GroupCode.INVALID_PARAMETER, 'CreateTime is in the future');
    const res = await this.create(ctx, body, true, IMPORT_DEFAULT_MAX_MEMBERS);
    if (createTime) await this.repo.updateGroup(ctx.sdkAppId, res['GroupId'] as string, { $set: { createTime } });
    return res;
  }

  /** import_group_member: ≤300 members with their role and join time; Result 0 failed, 1 added, 2 already a member. */
  private async importMembers(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList) throw fail(GroupCode.NO_PERMISSION, 'AVChatRooms cannot import members');
    const items = list(body, 'MemberList', 300).map((m) => {
      const o = (m ?? {}) as Json;
      const role = str(o, 'Role');
      if (role !== undefined && role !== 'Admin' && role !== 'Member') throw fail(GroupCode.INVALID_PARAMETER, 'Role is Admin or Member');
      if (role === 'Admin' && !rules.admins) throw fail(GroupCode.INVALID_PARAMETER, `a ${g.typeName} group has no admins`);
      const joinTime = uint(o, 'JoinTime');
      if (joinTime !== undefined && (joinTime > now() || joinTime < g.createTime)) throw fail(GroupCode.INVALID_PARAMETER, 'JoinTime must lie between the group\'s creation and now');
      return { userId: account(o, 'Member_Account')!, role: (role ?? 'Member') as Role, joinTime, unread: uint(o, 'UnreadMsgNum') ?? 0 };
    });
    const known = await this.existing(ctx.sdkAppId, items.map((i) => i.userId));
    const current = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    if (g.maxMemberNum && current + items.length > g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    const last = await this.lastSeq(ctx.sdkAppId, g);
    const out: Json[] = [];
    for (const i of items) {
      if (!known.has(i.userId)) {
        out.push({ Member_Account: i.userId, Result: 0 });
        continue;
      }
      const m = this.newMember(ctx.sdkAppId, g.groupId, i.userId, i.role, rules, 0, []);
      // Imported members see the imported history; UnreadMsgNum sets their read position.
      m.joinTime = i.joinTime ?? m.joinTime;
      m.msgSeq = Math.max(0, last - i.unread);
      out.push({ Member_Account: i.userId, Result: (await this.repo.addMember(m)) ? 1 : 2 });
    }
    return { MemberList: out };
  }

  /**
   * import_group_msg: ≤20 messages in ascending SendTime between the group's creation and now;
   * text, face, location and custom elements only. Each gets the group's next seq; with
   * RecentContactFlag 1 the members' conversations move to the last of them.
   */
  private async importMessages(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.NO_PERMISSION, 'AVChatRooms keep no messages');
    // A malformed item refuses the whole request before anything is stored.
    const items = list(body, 'MsgList', 20).map((raw) => {
      const o = (raw ?? {}) as Json;
      return { o, from: account(o, 'From_Account')!, random: uint(o, 'Random') ?? 0, time: uint(o, 'SendTime') };
    });
    const updateConversations = uint(body, 'RecentContactFlag', 1) === 1;
    let previous = 0;
    const out: Json[] = [];
    for (const { o, from, random, time } of items) {
      if (time === undefined || time < g.createTime || time > now() || time < previous) {
        out.push({ MsgSeq: 0, MsgTime: time ?? 0, Result: GroupCode.INVALID_PARAMETER });
        continue;
      }
      previous = time;
      const msgBody = o['MsgBody'];
      try {
        validateMsgBody(msgBody, ErrorCode.MSG_BODY_TOO_LONG);
        if (!(msgBody as { MsgType: string }[]).every((e) => ['TIMTextElem', 'TIMFaceElem', 'TIMLocationElem', 'TIMCustomElem'].includes(e.MsgType))) {
          throw fail(GroupCode.INVALID_PARAMETER, 'only text, face, location and custom elements can be imported');
        }
      } catch (err) {
        out.push({ MsgSeq: 0, MsgTime: time, Result: MeridianError.is(err) ? err.code : GroupCode.INVALID_PARAMETER });
        continue;
      }
      const seq = await this.storeMessage(ctx.sdkAppId, g, { from, random, time, body: JSON.stringify(msgBody), cloudCustomData: '', priority: 'Normal', tip: false }, false);
      out.push({ MsgSeq: seq, MsgTime: time, Result: 0 });
    }
    // Members' conversation lists follow the group's last message time: moved only on request.
    if (updateConversations && out.some((r) => r['Result'] === 0)) await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $max: { lastMsgTime: previous } });
    return { GroupId: g.groupId, ImportMsgResult: out };
  }

  /** set_unread_msg_num: moves a member's read position so that many messages are unread. */
  private async setUnread(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.loadGroup(ctx, body);
    const user = account(body, 'Member_Account')!;
    const n = uint(body, 'UnreadMsgNum');
    if (n === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'UnreadMsgNum is required');
    if (!RULES[g.kind as GroupKind].unread) throw fail(GroupCode.NO_PERMISSION, `a ${g.typeName} group keeps no unread counts`);
    const last = await this.lastSeq(ctx.sdkAppId, g);
    if (!(await this.repo.updateMember(ctx.sdkAppId, g.groupId, user, { $set: { msgSeq: Math.max(0, last - n) } }))) throw fail(GroupCode.NO_PERMISSION, `${user} is not a member`);
    return {};
  }

  /** delete_group_msg_by_sender: removes a sender's stored messages from the group's history. */
  private async deleteBySender(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.AVCHATROOM_UNSUPPORTED, 'AVChatRooms keep no messages');
    const sender = account(body, 'Sender_Account')!;
    let before = (await this.lastSeq(ctx.sdkAppId, g)) + 1;
    for (;;) {
      const page = await this.repo.messagesPage(ctx.sdkAppId, g.groupId, { beforeSeq: before, limit: 500 });
      for (const m of page) if (m.from === sender && !m.tip) await this.repo.markRecalled(ctx.sdkAppId, g.groupId, m.seq);
      if (page.length < 500) break;
      before = page[page.length - 1]!.seq;
    }
    return {};
  }

  private async history(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.stores) throw fail(GroupCode.NO_PERMISSION, 'AVChatRoom messages are not stored');
    const count = uint(body, 'ReqMsgNumber', 20);
    if (!count) throw fail(GroupCode.INVALID_PARAMETER, 'ReqMsgNumber is 1-20');
    const withRecalled = body['WithRecalledMsg'] === 1;
    let floor = 0;
    if (!ctx.isAdmin) {
      const m = await this.requireMember(ctx, g);
      if (!rules.historyBeforeJoin) floor = m.joinSeq;
    }
    const top = uint(body, 'ReqMsgSeq', Number.MAX_SAFE_INTEGER);
    const page = await this.repo.messagesPage(ctx.sdkAppId, g.groupId, { beforeSeq: (top ?? (await this.lastSeq(ctx.sdkAppId, g))) + 1, limit: count + 1 });
    const visible = page.filter((m) => m.seq > floor);
    const t = Date.now();
    const shown = visible.slice(0, count).filter((m) => withRecalled || !m.recalled);
    return {
      GroupId: g.groupId,
      IsFinished: visible.length <= count ? 1 : 0,
      RspMsgList: shown.map((m) => ({
        From_Account: m.from,
        IsPlaceMsg: m.recalled ? 2 : m.expiresAt.getTime() <= t ? 1 : 0,
        MsgPriority: Math.max(1, PRIORITIES.indexOf(m.priority) + 1),
        MsgRandom: m.random,
        MsgSeq: m.seq,
        MsgTimeStamp: m.time,
        MsgBody: m.expiresAt.getTime() <= t ? [] : (JSON.parse(m.body) as unknown),
        ...(m.cloudCustomData ? { CloudCustomData: m.cloudCustomData } : {}),
        ...(m.tip ? { IsSystemMsg: 1 } : {}),
      })),
    };
  }

  private async setRead(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    const m = await this.requireMember(ctx, g);
    const last = await this.lastSeq(ctx.sdkAppId, g);
    const seq = Math.min(uint(body, 'MsgSeq', Number.MAX_SAFE_INTEGER) || last, last);
    if (seq > m.msgSeq) await this.repo.updateMember(ctx.sdkAppId, g.groupId, ctx.operator, { $max: { msgSeq: seq } });
    const after = { ...m, msgSeq: Math.max(m.msgSeq, seq) };
    await this.deliver(ctx.sdkAppId, g.groupId, [ctx.operator], 'group_read', { GroupId: g.groupId, MsgSeq: after.msgSeq }, 0, '', ctx.loginId);
    return { MsgSeq: after.msgSeq, UnreadMsgNum: await this.unreadOf(ctx.sdkAppId, g, after) };
  }

  /**
   * send_broadcast_msg: one message to every AVChatRoom of the app (online audiences only), with
   * the app's broadcast seq. Each room costs one DeliverLive call per gateway holding it.
   */
  private async broadcast(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const from = account(body, 'From_Account', false) ?? ctx.operator;
    const random = uint(body, 'Random') ?? 0;
    validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
    const cloud = str(body, 'CloudCustomData') ?? '';
    const seq = await this.redis.redis.incr(GroupKeys.seq(ctx.sdkAppId, '@broadcast'));
    const t = now();
    const rooms = (await this.repo.appGroups(ctx.sdkAppId, '', 100_000)).filter((g) => g.kind === 'AVChatRoom');
    await Promise.all(
      rooms.map((g) =>
        this.fanOutLive(ctx.sdkAppId, g.groupId, 'group_broadcast', { GroupId: g.groupId, MsgSeq: seq, From_Account: from, Random: random, MsgTime: t, MsgBody: body['MsgBody'], CloudCustomData: cloud }, ''),
      ),
    );
    return { MsgSeq: seq };
  }

  private async onlineNum(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.loadGroup(ctx, body);
    if (g.kind !== 'AVChatRoom') throw fail(GroupCode.NO_PERMISSION, 'only AVChatRooms count online members');
    return { OnlineMemberNum: await this.redis.redis.zcard(GroupKeys.live(ctx.sdkAppId, g.groupId)) };
  }

  // --- app settings (operators) ---------------------------------------------------------------

  async appSettings(sdkAppId: number): Promise<GroupAppSettingsDoc> {
    return this.repo.appSettings(sdkAppId);
  }

  /**
   * Replaces an app's group settings. Declared fields can be neither removed nor renamed
   * (Tencent); lengths, levels and limits are checked before anything is stored.
   */
  async setAppSettings(sdkAppId: number, next: Omit<GroupAppSettingsDoc, '_id'>): Promise<GroupAppSettingsDoc> {
    const check = (fields: DeclaredField[], max: number, maxLength: number, what: string) => {
      if (fields.length > max) throw fail(GroupCode.INVALID_PARAMETER, `at most ${max} ${what} fields`);
      const keys = new Set<string>();
      for (const f of fields) {
        if (!/^[A-Za-z0-9_]{1,16}$/.test(f.key)) throw fail(GroupCode.INVALID_PARAMETER, `${what} field keys are [A-Za-z0-9_], at most 16 bytes`);
        if (keys.has(f.key)) throw fail(GroupCode.INVALID_PARAMETER, `${f.key} is declared twice`);
        keys.add(f.key);
        if (!Number.isInteger(f.maxLength) || f.maxLength < 1 || f.maxLength > maxLength) throw fail(GroupCode.INVALID_PARAMETER, `${what} field values are 1-${maxLength} bytes`);
        if (!Object.hasOwn(LEVELS, f.readLevel) || !Object.hasOwn(LEVELS, f.writeLevel)) throw fail(GroupCode.INVALID_PARAMETER, `levels are ${Object.keys(LEVELS).join(', ')}`);
      }
    };
    check(next.groupFields, 10, 512, 'group');
    check(next.memberFields, 5, 64, 'member');
    for (const [kind, n] of Object.entries(next.maxMembers)) {
      if (!['Work', 'Public', 'Meeting'].includes(kind) || !Number.isInteger(n) || n < 0 || n > MEMBER_LIMIT_MAX) throw fail(GroupCode.INVALID_PARAMETER, `member limits are 0-${MEMBER_LIMIT_MAX} for Work, Public and Meeting`);
    }
    const current = await this.repo.appSettings(sdkAppId);
    const dropped = [...current.groupFields.filter((f) => !next.groupFields.some((n) => n.key === f.key)), ...current.memberFields.filter((f) => !next.memberFields.some((n) => n.key === f.key))];
    if (dropped.length) throw fail(GroupCode.INVALID_PARAMETER, `declared fields cannot be removed: ${dropped.map((f) => f.key).join(', ')}`);
    const doc = { _id: sdkAppId, ...next, maxMembers: Object.fromEntries(Object.entries(next.maxMembers).filter(([, n]) => n > 0)) };
    await this.repo.saveAppSettings(doc);
    return doc;
  }

  /**
   * One page of the app's group messages (members' messages: no tips, not recalled) whose time
   * falls in the hour starting at hourStart (get_history exports), with each message's group id;
   * `expired` when the hour begins before the group roaming retention.
   */
  async hourMessages(sdkAppId: number, hourStart: number, cursor: string, limit: number): Promise<{ messages: (GroupMessageDoc & { groupId: string })[]; nextCursor: string; expired: boolean }> {
    if (!Number.isInteger(hourStart) || hourStart % HOUR_S !== 0 || hourStart < 0) throw fail(GroupCode.INVALID_PARAMETER, 'hour_start must be a whole UTC hour');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw fail(GroupCode.INVALID_PARAMETER, 'limit is 1-1000');
    if (hourStart < Date.now() / 1000 - this.config.MERIDIAN_GROUP_ROAMING_DAYS * 86_400) return { messages: [], nextCursor: '', expired: true };
    let page;
    try {
      page = await hourPage(sdkAppId, hourStart, cursor, limit, (minute, afterId, n) => this.repo.messagesInMinute(minute, afterId, n));
    } catch (err) {
      if ((err as Error).message === 'bad hour cursor') throw fail(GroupCode.INVALID_PARAMETER, 'bad cursor');
      throw err;
    }
    // _id is "<sdkAppId>:<groupId>:<seq>"; a custom group id may itself hold ':'.
    const messages = page.items.filter((m) => !m.tip && !m.recalled).map((m) => ({ ...m, groupId: m._id.slice(m._id.indexOf(':') + 1, m._id.lastIndexOf(':')) }));
    return { messages, nextCursor: page.nextCursor, expired: false };
  }

  // --- helpers ------------------------------------------------------------------------------

  private async storeMessage(sdkAppId: number, g: GroupDoc, m: Omit<GroupMessageDoc, '_id' | 'sdkAppId' | 'groupId' | 'seq' | 'recalled' | 'expiresAt'>, onlineOnly: boolean): Promise<number> {
    const key = GroupKeys.seq(sdkAppId, g.groupId);
    for (let attempt = 0; ; attempt++) {
      const seq = await this.seq.next(key, () => this.repo.maxSeq(sdkAppId, g.groupId));
      if (onlineOnly) {
        // Nothing stored marks this seq as used, so the group records the end of each block of
        // ONLINE_SEQ_BLOCK seqs as it starts: a counter Redis lost resumes after it (clients drop
        // a repeated seq as a duplicate; a gap is harmless).
        if (seq % ONLINE_SEQ_BLOCK === 1) await this.repo.raiseSeqFloor(sdkAppId, g.groupId, seq + ONLINE_SEQ_BLOCK - 1);
        return seq;
      }
      const expiresAt = new Date((m.time + this.config.MERIDIAN_GROUP_ROAMING_DAYS * 86_400) * 1000);
      if (await this.repo.insertMessage(sdkAppId, g.groupId, { ...m, seq, recalled: false, expiresAt })) return seq;
      if (attempt >= 3) throw fail(GroupCode.INTERNAL, 'could not assign a sequence number');
      await this.seq.raise(key, await this.repo.maxSeq(sdkAppId, g.groupId));
    }
  }

  /** A group tip: stored and pushed, pushed only or neither, per the type. */
  private async tip(ctx: Ctx, g: GroupDoc, opType: number, users: string[], extra: Json): Promise<void> {
    const mode = RULES[g.kind as GroupKind].memberTips;
    const isMemberTip = opType <= 3;
    if (isMemberTip && mode === 'off') return;
    const t = now();
    const content = { OpType: opType, Operator_Account: ctx.operator, MemberList: users, ...extra };
    const body = [{ MsgType: 'TIMGroupTipElem', MsgContent: content }];
    const stored = RULES[g.kind as GroupKind].stores && (!isMemberTip || mode === 'stored');
    const seq = stored ? await this.storeMessage(ctx.sdkAppId, g, { from: ctx.operator, random: 0, time: t, body: JSON.stringify(body), cloudCustomData: '', priority: 'Normal', tip: true }, false) : 0;
    await this.fanOut(ctx, g, 'group_tip', { GroupId: g.groupId, MsgSeq: seq, MsgTime: t, MsgBody: body }, seq, '{"PushFlag":1}');
  }

  /**
   * AVChatRoom join (1) and quit (2) tips, batched: at most one tip of each kind per room and
   * window, naming up to LIVE_TIP_MAX_MEMBERS of those who joined or left meanwhile. The window
   * is LIVE_TIP_WINDOW_MS per LIVE_TIP_AUDIENCE members online (1 s up to 1,000, 50 s at 50,000),
   * so tips cost a room at most ~1,000 deliveries a second whatever its size. A tip per join
   * would cost n² frames as a room fills (2.5 billion for 50,000 members) and bury its messages.
   * The instance that opens a window flushes it; if it dies first, that window's tips are lost
   * (they are online-only and never acknowledged).
   */
  private async liveMemberTip(ctx: Ctx, g: GroupDoc, opType: 1 | 2): Promise<void> {
    const key = GroupKeys.liveTips(ctx.sdkAppId, g.groupId, opType);
    await this.redis.redis.rpush(key, ctx.operator);
    if (await this.redis.redis.exists(`${key}:window`)) return;
    const online = await this.redis.redis.zcard(GroupKeys.live(ctx.sdkAppId, g.groupId));
    const windowMs = LIVE_TIP_WINDOW_MS * Math.max(1, Math.ceil(online / LIVE_TIP_AUDIENCE));
    if ((await this.redis.redis.set(`${key}:window`, '1', 'PX', windowMs, 'NX')) !== 'OK') return;
    setTimeout(() => {
      void this.flushLiveTips(ctx, g, opType, key).catch((err: unknown) => this.logger.warn({ groupId: g.groupId, error: (err as Error).message }, 'AVChatRoom member tip failed'));
    }, windowMs).unref();
  }

  private async flushLiveTips(ctx: Ctx, g: GroupDoc, opType: 1 | 2, key: string): Promise<void> {
    const res = await this.redis.redis.multi().lrange(key, 0, LIVE_TIP_MAX_MEMBERS * 4).del(key).exec();
    const users = [...new Set((res?.[0]?.[1] as string[] | undefined) ?? [])].slice(0, LIVE_TIP_MAX_MEMBERS);
    if (!users.length) return;
    // No connection excluded: the tip speaks for several members.
    await this.tip({ ...ctx, operator: users[0]!, loginId: '' }, g, opType, users, {});
  }

  /** An online-only group system notification (Tencent's types 1-255) to some users. */
  private async system(sdkAppId: number, groupId: string, users: string[], type: number, extra: Json): Promise<void> {
    if (!users.length) return;
    await this.deliver(sdkAppId, groupId, users, 'group_system', { GroupId: groupId, Type: type, ...extra }, 0, '{"PushFlag":1}', '');
  }

  /**
   * Delivers to the group's audience: members by MsgFlag (Discard gets nothing, AcceptNotNotify
   * no offline push), or the AVChatRoom's current audience (online only); `only` narrows the
   * members to those named (targeted messages).
   */
  private async fanOut(ctx: Ctx, g: GroupDoc, kind: string, body: Json, seq: number, offlinePush: string, only?: Set<string>): Promise<void> {
    if (!RULES[g.kind as GroupKind].memberList) {
      await this.fanOutLive(ctx.sdkAppId, g.groupId, kind, body, ctx.loginId);
      return;
    }
    const { notify, quiet } = await this.repo.audience(ctx.sdkAppId, g.groupId);
    const keep = (users: string[]) => (only ? users.filter((u) => only.has(u)) : users);
    await this.deliver(ctx.sdkAppId, g.groupId, keep(notify), kind, body, seq, offlinePush, ctx.loginId);
    await this.deliver(ctx.sdkAppId, g.groupId, keep(quiet), kind, body, seq, '{"PushFlag":1}', ctx.loginId);
  }

  /**
   * AVChatRoom fan-out: one DeliverLive call per gateway instance holding members (in any
   * region), each writing to its own connections, so a message costs one hop per gateway rather
   * than one per member. A gateway that has failed every call for LIVE_GATEWAY_GONE_MS is dropped
   * from the room; one failed call is not enough: an overloaded gateway misses a deadline and
   * would otherwise lose its whole audience for good (the M3 bench at 50,000 members did).
   */
  private async fanOutLive(sdkAppId: number, groupId: string, kind: string, body: unknown, excludeLoginId: string): Promise<void> {
    const key = GroupKeys.liveGateways(sdkAppId, groupId);
    const failuresKey = GroupKeys.liveGatewayFailures(sdkAppId, groupId);
    const [gateways, failing] = await Promise.all([
      this.redis.redis.hgetall(key).then((h) => Object.keys(h)),
      this.redis.redis.hgetall(failuresKey).then((h) => new Set(Object.keys(h))),
    ]);
    const payload = Buffer.from(JSON.stringify(body));
    await Promise.all(
      gateways.map(async (field) => {
        const [region, address] = [field.slice(0, field.indexOf('|')), field.slice(field.indexOf('|') + 1)];
        try {
          await this.clients.instance<gatewayV1.GatewayServiceClient>('gateway', address, region).deliverLive({ sdkAppId, groupId, kind, body: payload, excludeLoginId });
          if (failing.has(field)) await this.redis.redis.hdel(failuresKey, field);
        } catch (err) {
          await this.redis.redis.hsetnx(failuresKey, field, String(Date.now()));
          const since = Number((await this.redis.redis.hget(failuresKey, field)) ?? Date.now());
          const gone = Date.now() - since >= LIVE_GATEWAY_GONE_MS;
          this.logger.warn({ groupId, gateway: address, failingMs: Date.now() - since, error: (err as Error).message }, gone ? 'AVChatRoom gateway unreachable; dropped from the room' : 'AVChatRoom delivery to a gateway failed');
          if (gone) {
            await this.redis.redis.hdel(key, field);
            await this.redis.redis.hdel(failuresKey, field);
          }
        }
      }),
    );
  }

  private async deliver(sdkAppId: number, groupId: string, recipients: string[], kind: string, body: unknown, seq: number, offlinePush: string, excludeLoginId: string): Promise<void> {
    if (!recipients.length) return;
    const key = `${sdkAppId}:${groupId}`;
    await this.bus.publish(
      TOPICS.deliveries,
      key,
      { deliveryRequested: { recipients, kind, body: Buffer.from(JSON.stringify(body)), conversationId: `group:${groupId}`, seq: String(seq), excludeLoginId, offlinePush: Buffer.from(offlinePush), onlineOnlyRecipients: [] } },
      { sdkAppId },
    );
  }

  private async changed(ctx: Ctx, groupId: string, kind: string, change: string, members: string[], detail: unknown): Promise<void> {
    await this.bus.publish(
      TOPICS.groupEvents,
      `${ctx.sdkAppId}:${groupId}`,
      { groupChanged: { groupId, groupType: kind, change, operator: ctx.operator, members, detailJson: Buffer.from(JSON.stringify(detail)), origin: originOf(ctx) } },
      { sdkAppId: ctx.sdkAppId },
    );
  }

  private async loadGroup(ctx: Ctx, body: Json): Promise<GroupDoc> {
    const id = body['GroupId'];
    if (typeof id !== 'string' || !id || Buffer.byteLength(id) > 96) throw fail(GroupCode.GROUP_ID_INVALID, 'GroupId is missing or invalid');
    const g = await this.repo.group(ctx.sdkAppId, id);
    if (!g) throw fail(GroupCode.GROUP_NOT_FOUND, `group ${id} does not exist`);
    return g;
  }

  private async requireMember(ctx: Ctx, g: GroupDoc): Promise<MemberDoc> {
    const m = await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator);
    if (!m) throw fail(GroupCode.NO_PERMISSION, 'not a member of this group');
    return m;
  }

  /** The operator's role; the app admin counts as owner. */
  private async operatorRole(ctx: Ctx, g: GroupDoc): Promise<Role | 'None'> {
    if (ctx.isAdmin || g.owner === ctx.operator) return 'Owner';
    if (!RULES[g.kind as GroupKind].memberList) return 'None';
    return ((await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator))?.role as Role | undefined) ?? 'None';
  }

  private newMember(sdkAppId: number, groupId: string, userId: string, role: Role, rules: GroupRules, joinSeq: number, data: KeyValue[]): MemberDoc {
    return {
      _id: `${sdkAppId}:${groupId}:${userId}`,
      sdkAppId,
      groupId,
      userId,
      role,
      joinTime: now(),
      joinSeq,
      msgSeq: joinSeq,
      msgFlag: rules.defaultMsgFlag,
      lastSendMsgTime: 0,
      nameCard: '',
      appMemberDefinedData: data,
    };
  }

  private memberView(m: MemberDoc, muteUntil: number, fields: string[] | undefined, declared: DeclaredField[], level: number, dataFilter?: (data: KeyValue[]) => KeyValue[]): Json {
    const v: Json = {
      Member_Account: m.userId,
      Role: m.role,
      JoinTime: m.joinTime,
      MsgSeq: m.msgSeq,
      MsgFlag: m.msgFlag,
      LastSendMsgTime: m.lastSendMsgTime,
      MuteUntil: muteUntil > now() ? muteUntil : 0,
      NameCard: m.nameCard,
      AppMemberDefinedData: (dataFilter ?? ((d: KeyValue[]) => d))(readable(declared, m.appMemberDefinedData ?? [], level)),
    };
    const always = ['Member_Account', ...(dataFilter ? ['AppMemberDefinedData'] : [])];
    return fields ? Object.fromEntries(Object.entries(v).filter(([k]) => always.includes(k) || fields.includes(k))) : v;
  }

  private async muteMap(sdkAppId: number, groupId: string): Promise<Map<string, number>> {
    return new Map((await this.repo.mutesOf(sdkAppId, groupId)).map((m) => [m.userId, m.until]));
  }

  private async lastSeq(sdkAppId: number, g: GroupDoc): Promise<number> {
    const v = await this.redis.redis.get(GroupKeys.seq(sdkAppId, g.groupId));
    return v ? Number(v) : this.repo.maxSeq(sdkAppId, g.groupId);
  }

  private async unreadOf(sdkAppId: number, g: GroupDoc, m: MemberDoc): Promise<number> {
    if (!RULES[g.kind as GroupKind].unread) return 0;
    return Math.max(0, (await this.lastSeq(sdkAppId, g)) - m.msgSeq);
  }

  private async memberCount(sdkAppId: number, g: GroupDoc): Promise<number> {
    if (RULES[g.kind as GroupKind].memberList) return this.repo.memberCount(sdkAppId, g.groupId);
    return this.redis.redis.zcard(GroupKeys.live(sdkAppId, g.groupId));
  }

  /** Everyone a group-wide notice goes to: members, or the AVChatRoom audience. */
  private async audience(sdkAppId: number, g: GroupDoc): Promise<string[]> {
    if (RULES[g.kind as GroupKind].memberList) return (await this.repo.memberList(sdkAppId, g.groupId)).map((m) => m.userId);
    return this.redis.redis.zrange(GroupKeys.live(sdkAppId, g.groupId), 0, -1);
  }

  /** A user may be in at most MERIDIAN_GROUP_JOINED_MAX groups (10037). */
  private async requireJoinRoom(sdkAppId: number, userId: string): Promise<void> {
    if ((await this.repo.groupsOf(sdkAppId, userId)).length >= this.config.MERIDIAN_GROUP_JOINED_MAX) throw fail(GroupCode.JOINED_LIMIT, `${userId} is in too many groups`);
  }

  private existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return existingAccounts(this.clients, sdkAppId, userIds);
  }

  private async requireAccounts(sdkAppId: number, userIds: string[]): Promise<void> {
    const found = await this.existing(sdkAppId, userIds);
    const missing = userIds.find((u) => !found.has(u));
    if (missing !== undefined) throw fail(GroupCode.ACCOUNT_NOT_FOUND, `account ${missing} does not exist`);
  }

  private async accountOf(sdkAppId: number, userId: string): Promise<authV1.AccountResult> {
    const res = await this.clients.service<authV1.AuthServiceClient>('auth').checkAccounts({ sdkAppId, userIds: [userId] });
    return res.results[0]!;
  }
}

function requireAdmin(ctx: Ctx): void {
  if (!ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'app admins only');
}

/** 8 random characters of an upper-case base32 alphabet (with @TGS# and the type digit: 14 characters). */
function generatedSuffix(): string {
  return [...randomBytes(8)].map((b) => ID_ALPHABET[b % 32]).join('');
}
