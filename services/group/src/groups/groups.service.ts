import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, ownEntry } from '@meridian/contracts';
import { CUSTOM_ID_MAX, FACE_URL_MAX, GroupCode, IMPORT_DEFAULT_MAX_MEMBERS, INTRODUCTION_MAX, MEMBER_LIMIT_MAX, NAME_MAX, NOTIFICATION_MAX, RULES, kindOf, type GroupKind, type Role } from './group-rules';
import type { DeclaredField, GroupAppSettingsDoc, GroupDoc, KeyValue } from './group.schema';
import { GroupsRepository } from './groups.repository';
import { GroupBeforeCallbacks } from './group-callbacks';
import { GroupSendExceptions, reportSendFailure } from './group-origin';
import { type Ctx, type Executed, type Json, answer, fail, now, APPLY_OPTIONS, OUTSIDER_FIELDS, LEVELS, levelOf, checkWrites, readable, str, account, uint, list, accounts, keyValues, memberLimit, keyFilter, requireAdmin, generatedSuffix } from './group-input';
import { GroupCore } from './group-core';
import { LiveRoomsService } from './live-rooms.service';
import { GroupMembersService } from './group-members.service';
import { GroupMessagesService } from './group-messages.service';
import { LiveRoomsRepository } from './live-rooms.repository';

/**
 * Groups: Tencent's group_open_http_svc commands and their client equivalents, with each type's
 * rules (group-rules.ts). Bodies are Tencent's JSON; answers are Tencent's response fields.
 * The app admin acts as owner in every group, member or not.
 */
@Injectable()
export class GroupsService {
  constructor(
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(LiveRoomsRepository) private readonly liveRooms: LiveRoomsRepository,
    @Inject(GroupBeforeCallbacks) private readonly beforeCallbacks: GroupBeforeCallbacks,
    @Inject(GroupSendExceptions) private readonly sendExceptions: GroupSendExceptions,
    @Inject(GroupCore) private readonly core: GroupCore,
    @Inject(LiveRoomsService) private readonly live: LiveRoomsService,
    @Inject(GroupMembersService) private readonly members: GroupMembersService,
    @Inject(GroupMessagesService) private readonly messages: GroupMessagesService,
  ) {}

  /** Runs one command; unknown commands are 60009 (as an unknown REST path). */
  async execute(ctx: Ctx, command: string, body: Json): Promise<Executed> {
    const handler = ownEntry(this.handlers, command);
    if (!handler) throw fail(ErrorCode.BAD_RESOURCE, `unknown group command ${command}`);
    // Third-party callbacks (Group.CallbackBefore*): may refuse, drop or rewrite the request.
    const before = await this.beforeCallbacks.check(ctx, command, body);
    if (before.answer) return { body: before.answer, liveRoom: false };
    if (command !== 'send_group_msg') return handler(ctx, before.body);
    // Group.CallbackSendMsgException: a refused send is reported to the app's backend.
    return reportSendFailure(ctx, before.body, () => handler(ctx, before.body), this.sendExceptions);
  }

  private readonly handlers: Record<string, (ctx: Ctx, body: Json) => Promise<Executed>> = {
    create_group: (c, b) => answer(this.create(c, b)),
    get_group_info: (c, b) => answer(this.info(c, b)),
    get_group_member_info: (c, b) => answer(this.members.memberInfo(c, b)),
    modify_group_base_info: (c, b) => answer(this.modifyInfo(c, b)),
    add_group_member: (c, b) => answer(this.members.addMembers(c, b)),
    delete_group_member: (c, b) => answer(this.members.deleteMembers(c, b)),
    modify_group_member_info: (c, b) => answer(this.members.modifyMember(c, b)),
    destroy_group: (c, b) => answer(this.destroy(c, b)),
    get_joined_group_list: (c, b) => answer(this.joined(c, b)),
    get_role_in_group: (c, b) => answer(this.roles(c, b)),
    forbid_send_msg: (c, b) => answer(this.members.forbid(c, b)),
    get_group_muted_account: (c, b) => answer(this.members.muted(c, b, false)),
    get_group_shutted_uin: (c, b) => answer(this.members.muted(c, b, true)),
    change_group_owner: (c, b) => answer(this.changeOwner(c, b)),
    send_group_msg: (c, b) => answer(this.messages.send(c, b)),
    send_group_system_notification: (c, b) => answer(this.messages.systemNotification(c, b)),
    group_msg_recall: (c, b) => answer(this.messages.recall(c, b)),
    modify_group_msg: (c, b) => answer(this.messages.modifyMessage(c, b)),
    group_msg_get_simple: (c, b) => answer(this.messages.history(c, b)),
    get_appid_group_list: (c, b) => answer(this.appGroups(c, b)),
    import_group: (c, b) => answer(this.importGroup(c, b)),
    import_group_member: (c, b) => answer(this.members.importMembers(c, b)),
    import_group_msg: (c, b) => answer(this.messages.importMessages(c, b)),
    set_unread_msg_num: (c, b) => answer(this.members.setUnread(c, b)),
    delete_group_msg_by_sender: (c, b) => answer(this.messages.deleteBySender(c, b)),
    // Client-only operations (WebSocket): join/apply, quit, answer an application, read report.
    apply_join_group: (c, b) => this.members.applyJoin(c, b),
    quit_group: (c, b) => this.members.quit(c, b),
    handle_join_application: (c, b) => answer(this.members.handleApplication(c, b)),
    get_join_applications: (c, b) => answer(this.members.applications(c, b)),
    set_read: (c, b) => answer(this.members.setRead(c, b)),
  };

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
    await this.core.requireAccounts(ctx.sdkAppId, everyone);
    for (const u of everyone) await this.core.requireJoinRoom(ctx.sdkAppId, u);

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
        await this.repo.addMember(this.core.newMember(ctx.sdkAppId, groupId, u, u === owner ? 'Owner' : (m?.role ?? 'Member'), rules, 0, m?.data ?? []));
      }
    }
    await this.core.changed(ctx, groupId, kind, 'Created', everyone, { Type: typeName, Name: name, Owner_Account: owner ?? '' });
    if (rules.memberList && !silent) await this.core.system(ctx.sdkAppId, groupId, everyone, 6, { Operator_Account: ctx.operator });
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
          NextMsgSeq: (await this.core.lastSeq(ctx.sdkAppId, g)) + 1,
          MemberNum: rules.memberList ? members.length : await this.core.memberCount(ctx.sdkAppId, g),
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
          const mutes = await this.core.muteMap(ctx.sdkAppId, raw);
          picked['MemberList'] = members.map((m) => this.core.memberView(m, mutes.get(m.userId) ?? 0, memberFilter, settings.memberFields, level, memberData));
        }
        return picked;
      }),
    );
    return { GroupInfo: out };
  }

  private async modifyInfo(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    const role = await this.core.operatorRole(ctx, g);
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
    await this.core.changed(ctx, g.groupId, g.kind, 'InfoChanged', [], body);
    await this.core.tip(ctx, g, 6, [], { Changes: body });
    return {};
  }

  private async destroy(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!ctx.isAdmin && !(rules.disbandByOwner && g.owner === ctx.operator)) throw fail(GroupCode.NO_PERMISSION, rules.disbandByOwner ? 'only the owner may disband the group' : 'only the app admin may disband a Work group');
    const members = await this.core.audience(ctx.sdkAppId, g);
    await this.repo.deleteGroup(ctx.sdkAppId, g.groupId);
    // Members hear of it before the room's gateways are forgotten.
    if (g.kind === 'AVChatRoom') await this.live.fanOutLive(ctx.sdkAppId, g.groupId, 'group_system', { GroupId: g.groupId, Type: 5, Operator_Account: ctx.operator }, '');
    await this.liveRooms.forget(ctx.sdkAppId, g.groupId);
    await this.core.changed(ctx, g.groupId, g.kind, 'Destroyed', members, { Type: g.typeName, Name: g.name, Owner_Account: g.owner });
    if (g.kind !== 'AVChatRoom') await this.core.system(ctx.sdkAppId, g.groupId, members, 5, { Operator_Account: ctx.operator });
    return {};
  }

  private async changeOwner(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const next = account(body, 'NewOwner_Account')!;
    if (!ctx.isAdmin && g.owner !== ctx.operator) throw fail(GroupCode.NO_PERMISSION, 'only the owner may hand the group over');
    if (!RULES[g.kind as GroupKind].memberList) {
      await this.core.requireAccounts(ctx.sdkAppId, [next]);
    } else {
      if (!(await this.repo.member(ctx.sdkAppId, g.groupId, next))) throw fail(GroupCode.NO_PERMISSION, 'the new owner must be a member');
      if (g.owner) await this.repo.updateMember(ctx.sdkAppId, g.groupId, g.owner, { $set: { role: 'Member' } });
      await this.repo.updateMember(ctx.sdkAppId, g.groupId, next, { $set: { role: 'Owner' } });
    }
    await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $set: { owner: next, lastInfoTime: now() }, $inc: { infoSeq: 1 } });
    await this.core.changed(ctx, g.groupId, g.kind, 'OwnerChanged', [next], { OldOwner_Account: g.owner, NewOwner_Account: next });
    await this.core.tip(ctx, g, 6, [next], { Changes: { Owner_Account: next } });
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
    const live = withHuge && (!kind || kind === 'AVChatRoom') ? await this.liveRooms.roomsOf(ctx.sdkAppId, user) : [];
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
        if (baseFilter.includes('NextMsgSeq')) base['NextMsgSeq'] = (await this.core.lastSeq(ctx.sdkAppId, g)) + 1;
        if (baseFilter.includes('MemberNum')) base['MemberNum'] = await this.core.memberCount(ctx.sdkAppId, g);
        for (const f of baseFilter) if (f in base) item[f] = base[f];
        if (selfFilter.length) {
          const m = await this.repo.member(ctx.sdkAppId, g.groupId, user);
          const self: Json = { Role: m?.role ?? 'NotMember', JoinTime: m?.joinTime ?? 0, MsgFlag: m?.msgFlag ?? '', UnreadMsgNum: m ? await this.core.unreadOf(ctx.sdkAppId, g, m) : 0, NameCard: m?.nameCard ?? '' };
          item['SelfInfo'] = Object.fromEntries(Object.entries(self).filter(([k]) => selfFilter.includes(k)));
        }
        return item;
      }),
    );
    return { TotalCount: groups.length, GroupIdList: items };
  }

  private async roles(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    // Who holds which role is members' knowledge (AVChatRoom audiences are whoever is in the room).
    if (!ctx.isAdmin && RULES[g.kind as GroupKind].memberList && g.owner !== ctx.operator) await this.core.requireMember(ctx, g);
    const users = accounts(body, 'User_Account', 500);
    const out = await Promise.all(
      users.map(async (u) => {
        const role = u === g.owner ? 'Owner' : ((await this.repo.member(ctx.sdkAppId, g.groupId, u))?.role ?? 'NotMember');
        return { Member_Account: u, Role: role };
      }),
    );
    return { UserIdList: out };
  }

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
}
