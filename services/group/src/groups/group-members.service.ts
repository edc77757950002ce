import { Inject, Injectable } from '@nestjs/common';
import { isValidUserId } from '@meridian/contracts';
import { GroupCode, MUTE_FOREVER, NAME_CARD_MAX, RULES, type GroupKind, type Role } from './group-rules';
import type { GroupDoc, MemberDoc } from './group.schema';
import { GroupsRepository } from './groups.repository';
import { type Ctx, type Executed, type Json, fail, now, MSG_FLAGS, levelOf, checkWrites, str, account, uint, list, accounts, keyValues, keyFilter, muteTime, requireAdmin } from './group-input';
import { GroupCore } from './group-core';
import { LiveRoomsService } from './live-rooms.service';
import { LiveRoomsRepository } from './live-rooms.repository';

@Injectable()
export class GroupMembersService {
  constructor(
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(LiveRoomsRepository) private readonly liveRooms: LiveRoomsRepository,
    @Inject(GroupCore) private readonly core: GroupCore,
    @Inject(LiveRoomsService) private readonly live: LiveRoomsService,
  ) {}

  async memberInfo(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList) throw fail(GroupCode.NO_PERMISSION, 'an AVChatRoom keeps no member list');
    if (!ctx.isAdmin) await this.core.requireMember(ctx, g);
    const roleFilter = Array.isArray(body['MemberRoleFilter']) ? (body['MemberRoleFilter'] as string[]) : undefined;
    const fields = Array.isArray(body['MemberInfoFilter']) ? (body['MemberInfoFilter'] as string[]) : undefined;
    const limit = uint(body, 'Limit', 6000) ?? 6000;
    const offset = uint(body, 'Offset') ?? 0;
    const memberData = keyFilter(body, 'AppDefinedDataFilter_GroupMember');
    const all = (await this.repo.memberList(ctx.sdkAppId, g.groupId)).filter((m) => !roleFilter || roleFilter.includes(m.role));
    const mutes = await this.core.muteMap(ctx.sdkAppId, g.groupId);
    const settings = await this.repo.appSettings(ctx.sdkAppId);
    const level = levelOf(ctx, await this.core.operatorRole(ctx, g));
    return { MemberNum: all.length, MemberList: all.slice(offset, offset + (limit || 6000)).map((m) => this.core.memberView(m, mutes.get(m.userId) ?? 0, fields, settings.memberFields, level, memberData)) };
  }

  async addMembers(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList) throw fail(GroupCode.NO_PERMISSION, 'members cannot be added to an AVChatRoom');
    const role = await this.core.operatorRole(ctx, g);
    // Admins add anyone; in a Work group any member may invite (no consent, no approval).
    if (!ctx.isAdmin && !(rules.memberInvite && role !== 'None')) throw fail(GroupCode.NO_PERMISSION, `members cannot invite to a ${g.typeName} group`);
    const silence = uint(body, 'Silence', 1) === 1;
    const wanted = list(body, 'MemberList', 100).map((m) => account((m ?? {}) as Json, 'Member_Account')!);
    const unique = [...new Set(wanted)];
    const known = await this.core.existing(ctx.sdkAppId, unique);
    const current = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    const fresh: string[] = [];
    for (const u of unique) if (known.has(u) && !(await this.repo.member(ctx.sdkAppId, g.groupId, u))) fresh.push(u);
    if (g.maxMemberNum && current + fresh.length > g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    const result = new Map<string, number>();
    const lastSeq = await this.core.lastSeq(ctx.sdkAppId, g);
    for (const u of unique) {
      if (!known.has(u)) result.set(u, 0);
      else if (!fresh.includes(u)) result.set(u, 2);
      else {
        try {
          await this.core.requireJoinRoom(ctx.sdkAppId, u);
          result.set(u, (await this.repo.addMember(this.core.newMember(ctx.sdkAppId, g.groupId, u, 'Member', rules, lastSeq, []))) ? 1 : 2);
        } catch {
          result.set(u, 0);
        }
      }
    }
    const added = unique.filter((u) => result.get(u) === 1);
    if (added.length) {
      // Group.CallbackAfterGroupFull when these members filled it.
      const full = Boolean(g.maxMemberNum) && current + added.length >= g.maxMemberNum;
      await this.core.changed(ctx, g.groupId, g.kind, 'MemberJoined', added, { JoinType: 'Invited', Operator_Account: ctx.operator, ...(full ? { GroupFull: true } : {}) });
      if (!silence) await this.core.tip(ctx, g, 1, added, {});
      await this.core.system(ctx.sdkAppId, g.groupId, added, 7, { Operator_Account: ctx.operator });
    }
    return { MemberList: wanted.map((u) => ({ Member_Account: u, Result: result.get(u) ?? 0 })) };
  }

  async deleteMembers(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.memberList || rules.kick === 'none') throw fail(GroupCode.NO_PERMISSION, `members of a ${g.typeName} group cannot be removed (mute them instead)`);
    const role = await this.core.operatorRole(ctx, g);
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
      await this.core.changed(ctx, g.groupId, g.kind, 'MemberKicked', removed, { Operator_Account: ctx.operator, Reason: reason });
      if (!silence) await this.core.tip(ctx, g, 3, removed, {});
      await this.core.system(ctx.sdkAppId, g.groupId, removed, 4, { Operator_Account: ctx.operator, Reason: reason });
    }
    return {};
  }

  async modifyMember(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    const user = account(body, 'Member_Account')!;
    const opRole = await this.core.operatorRole(ctx, g);
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
      await this.core.changed(ctx, g.groupId, g.kind, 'RoleChanged', [user], { Role: set.role });
      await this.core.tip(ctx, g, set.role === 'Admin' ? 4 : 5, [user], {});
      await this.core.system(ctx.sdkAppId, g.groupId, [user], set.role === 'Admin' ? 9 : 10, { Operator_Account: ctx.operator });
    }
    return {};
  }

  async forbid(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const users = accounts(body, 'Members_Account', 500);
    const seconds = muteTime(body);
    if (seconds === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'MuteTime is required');
    await this.applyMute(ctx, g, await this.core.operatorRole(ctx, g), users, seconds);
    return {};
  }

  async muted(ctx: Ctx, body: Json, old: boolean): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    // Members see who is muted; in an AVChatRoom (no member list) only its owner, who mutes.
    if (!ctx.isAdmin && g.owner !== ctx.operator) {
      if (!RULES[g.kind as GroupKind].memberList) throw fail(GroupCode.NO_PERMISSION, 'only the owner sees the muted list of an AVChatRoom');
      await this.core.requireMember(ctx, g);
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
    await this.core.changed(ctx, g.groupId, g.kind, 'MemberMuted', users, { MuteTime: seconds });
  }

  async applyJoin(ctx: Ctx, body: Json): Promise<Executed> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (g.kind === 'AVChatRoom') {
      if (!ctx.gatewayAddress) throw fail(GroupCode.NO_PERMISSION, 'AVChatRooms are joined from a client connection');
      await this.core.requireAccounts(ctx.sdkAppId, [ctx.operator]);
      // The audience (for counts) and the gateways holding it (for fan-out, one call each).
      await this.liveRooms.join(ctx.sdkAppId, g.groupId, ctx.operator, now(), `${ctx.gatewayRegion}|${ctx.gatewayAddress}`);
      await this.core.changed(ctx, g.groupId, g.kind, 'MemberJoined', [ctx.operator], { JoinType: 'Apply' });
      // No connection excluded: the batched tip speaks for several members.
      await this.live.liveMemberTip(ctx, g, 1, (users) => this.core.tip({ ...ctx, operator: users[0]!, loginId: '' }, g, 1, users, {}));
      return { body: { JoinStatus: 'Joined' }, liveRoom: true };
    }
    if (await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator)) throw fail(GroupCode.ALREADY_MEMBER, 'already a member');
    if (rules.apply === 'none' || g.applyJoinOption === 'DisableApply') throw fail(GroupCode.NO_PERMISSION, 'this group takes no applications');
    if (rules.apply === 'free' || g.applyJoinOption === 'FreeAccess') {
      await this.join(ctx, g, ctx.operator, 'Apply');
      return { body: { JoinStatus: 'Joined' }, liveRoom: false };
    }
    const reason = str(body, 'ApplyMsg', { max: 300 }) ?? '';
    await this.repo.addApplication(ctx.sdkAppId, g.groupId, ctx.operator, reason);
    const approvers = (await this.repo.memberList(ctx.sdkAppId, g.groupId)).filter((m) => m.role === 'Owner' || m.role === 'Admin').map((m) => m.userId);
    await this.core.system(ctx.sdkAppId, g.groupId, approvers, 1, { Operator_Account: ctx.operator, ApplyMsg: reason });
    return { body: { JoinStatus: 'WaitAdminApproval' }, liveRoom: false };
  }

  async handleApplication(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const role = await this.core.operatorRole(ctx, g);
    if (role !== 'Owner' && role !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'only the owner or an admin answers applications');
    const user = account(body, 'Applicant_Account')!;
    const decision = str(body, 'Decision', { required: true });
    if (decision !== 'Agree' && decision !== 'Reject') throw fail(GroupCode.INVALID_PARAMETER, 'Decision is Agree or Reject');
    if (!(await this.repo.takeApplication(ctx.sdkAppId, g.groupId, user))) throw fail(GroupCode.INVALID_PARAMETER, 'no such application');
    if (decision === 'Agree') await this.join(ctx, g, user, 'Apply');
    await this.core.system(ctx.sdkAppId, g.groupId, [user], decision === 'Agree' ? 2 : 3, { Operator_Account: ctx.operator });
    return {};
  }

  async applications(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const role = await this.core.operatorRole(ctx, g);
    if (role !== 'Owner' && role !== 'Admin') throw fail(GroupCode.NO_PERMISSION, 'only the owner or an admin sees applications');
    return { Applications: (await this.repo.applicationsOf(ctx.sdkAppId, g.groupId)).map((a) => ({ Applicant_Account: a.userId, ApplyMsg: a.reason, ApplyTime: a.time })) };
  }

  async quit(ctx: Ctx, body: Json): Promise<Executed> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (g.kind === 'AVChatRoom') {
      await this.liveRooms.leave(ctx.sdkAppId, g.groupId, ctx.operator, ctx.gatewayAddress ? `${ctx.gatewayRegion}|${ctx.gatewayAddress}` : undefined);
      await this.core.changed(ctx, g.groupId, g.kind, 'MemberQuit', [ctx.operator], {});
      // No connection excluded: the batched tip speaks for several members.
      await this.live.liveMemberTip(ctx, g, 2, (users) => this.core.tip({ ...ctx, operator: users[0]!, loginId: '' }, g, 2, users, {}));
      return { body: {}, liveRoom: true };
    }
    const m = await this.core.requireMember(ctx, g);
    if (m.role === 'Owner' && !rules.ownerCanQuit) throw fail(GroupCode.OWNER_CANNOT_QUIT, 'the owner cannot quit this group');
    await this.repo.removeMember(ctx.sdkAppId, g.groupId, ctx.operator);
    if (m.role === 'Owner') await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $set: { owner: '' } });
    await this.core.changed(ctx, g.groupId, g.kind, 'MemberQuit', [ctx.operator], {});
    await this.core.tip(ctx, g, 2, [ctx.operator], {});
    return { body: {}, liveRoom: false };
  }

  private async join(ctx: Ctx, g: GroupDoc, user: string, how: string): Promise<void> {
    const rules = RULES[g.kind as GroupKind];
    const count = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    if (g.maxMemberNum && count >= g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    await this.core.requireJoinRoom(ctx.sdkAppId, user);
    if (!(await this.repo.addMember(this.core.newMember(ctx.sdkAppId, g.groupId, user, 'Member', rules, await this.core.lastSeq(ctx.sdkAppId, g), [])))) throw fail(GroupCode.ALREADY_MEMBER, 'already a member');
    await this.core.changed(ctx, g.groupId, g.kind, 'MemberJoined', [user], { JoinType: how, ...(g.maxMemberNum && count + 1 >= g.maxMemberNum ? { GroupFull: true } : {}) });
    await this.core.tip(ctx, g, 1, [user], {});
  }

  /** import_group_member: ≤300 members with their role and join time; Result 0 failed, 1 added, 2 already a member. */
  async importMembers(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.core.loadGroup(ctx, body);
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
    const known = await this.core.existing(ctx.sdkAppId, items.map((i) => i.userId));
    const current = await this.repo.memberCount(ctx.sdkAppId, g.groupId);
    if (g.maxMemberNum && current + items.length > g.maxMemberNum) throw fail(GroupCode.GROUP_FULL, 'the group is full');
    const last = await this.core.lastSeq(ctx.sdkAppId, g);
    const out: Json[] = [];
    for (const i of items) {
      if (!known.has(i.userId)) {
        out.push({ Member_Account: i.userId, Result: 0 });
        continue;
      }
      const m = this.core.newMember(ctx.sdkAppId, g.groupId, i.userId, i.role, rules, 0, []);
      // Imported members see the imported history; UnreadMsgNum sets their read position.
      m.joinTime = i.joinTime ?? m.joinTime;
      m.msgSeq = Math.max(0, last - i.unread);
      out.push({ Member_Account: i.userId, Result: (await this.repo.addMember(m)) ? 1 : 2 });
    }
    return { MemberList: out };
  }

  /** set_unread_msg_num: moves a member's read position so that many messages are unread. */
  async setUnread(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.core.loadGroup(ctx, body);
    const user = account(body, 'Member_Account')!;
    const n = uint(body, 'UnreadMsgNum');
    if (n === undefined) throw fail(GroupCode.INVALID_PARAMETER, 'UnreadMsgNum is required');
    if (!RULES[g.kind as GroupKind].unread) throw fail(GroupCode.NO_PERMISSION, `a ${g.typeName} group keeps no unread counts`);
    const last = await this.core.lastSeq(ctx.sdkAppId, g);
    if (!(await this.repo.updateMember(ctx.sdkAppId, g.groupId, user, { $set: { msgSeq: Math.max(0, last - n) } }))) throw fail(GroupCode.NO_PERMISSION, `${user} is not a member`);
    return {};
  }

  async setRead(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const m = await this.core.requireMember(ctx, g);
    const last = await this.core.lastSeq(ctx.sdkAppId, g);
    const seq = Math.min(uint(body, 'MsgSeq', Number.MAX_SAFE_INTEGER) || last, last);
    if (seq > m.msgSeq) await this.repo.updateMember(ctx.sdkAppId, g.groupId, ctx.operator, { $max: { msgSeq: seq } });
    const after = { ...m, msgSeq: Math.max(m.msgSeq, seq) };
    await this.core.deliver(ctx.sdkAppId, g.groupId, [ctx.operator], 'group_read', { GroupId: g.groupId, MsgSeq: after.msgSeq }, 0, '', ctx.loginId);
    return { MsgSeq: after.msgSeq, UnreadMsgNum: await this.core.unreadOf(ctx.sdkAppId, g, after) };
  }

  /**
   * recentcontact/delete with ClearRamble 1 for a group (typed RPC ClearMemberHistory): the
   * group's history up to now is hidden from the member and counts as read (their devices get
   * `group_read`). Nothing to hide (no such group, an AVChatRoom, not a member) is no error: the
   * conversation list's delete succeeds as it does for any group.
   */
  async clearHistory(ctx: Ctx, groupId: string, user: string): Promise<{ cleared: boolean; seq: number }> {
    requireAdmin(ctx);
    if (!isValidUserId(user)) throw fail(GroupCode.INVALID_PARAMETER, 'From_Account is not a valid account');
    if (!groupId || Buffer.byteLength(groupId) > 96) throw fail(GroupCode.GROUP_ID_INVALID, 'GroupId is missing or invalid');
    const g = await this.repo.group(ctx.sdkAppId, groupId);
    if (!g || !RULES[g.kind as GroupKind].stores) return { cleared: false, seq: 0 };
    const m = await this.repo.member(ctx.sdkAppId, g.groupId, user);
    if (!m) return { cleared: false, seq: 0 };
    const last = await this.core.lastSeq(ctx.sdkAppId, g);
    await this.repo.updateMember(ctx.sdkAppId, g.groupId, user, { $max: { clearedSeq: last, msgSeq: last } });
    if (last > m.msgSeq) await this.core.deliver(ctx.sdkAppId, g.groupId, [user], 'group_read', { GroupId: g.groupId, MsgSeq: last }, 0, '', '');
    return { cleared: true, seq: last };
  }

  /** get_online_member_num (typed RPC GetOnlineMemberNum): an AVChatRoom's audience now. */
  async onlineNum(ctx: Ctx, groupId: string): Promise<number> {
    const g = await this.core.loadGroup(ctx, { GroupId: groupId });
    if (g.kind !== 'AVChatRoom') throw fail(GroupCode.NO_PERMISSION, 'only AVChatRooms count online members');
    return this.liveRooms.onlineCount(ctx.sdkAppId, g.groupId);
  }
}
