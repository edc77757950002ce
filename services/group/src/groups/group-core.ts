import { Inject, Injectable } from '@nestjs/common';
import { TOPICS, mediaUuids } from '@meridian/contracts';
import { EventBus, GrpcClients, existingAccounts } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';
import { GroupCode, RULES, type GroupKind, type GroupRules, type Role } from './group-rules';
import type { DeclaredField, GroupDoc, GroupMessageDoc, KeyValue, MemberDoc } from './group.schema';
import { GroupsRepository } from './groups.repository';
import { originOf } from './group-origin';
import { type Ctx, type Json, fail, now, ONLINE_SEQ_BLOCK, readable } from './group-input';
import { LiveRoomsService } from './live-rooms.service';
import { GroupSequencesRepository } from './group-sequences.repository';
import { LiveRoomsRepository } from './live-rooms.repository';

@Injectable()
export class GroupCore {
  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GroupSequencesRepository) private readonly seqs: GroupSequencesRepository,
    @Inject(LiveRoomsRepository) private readonly liveRooms: LiveRoomsRepository,
    @Inject(LiveRoomsService) private readonly live: LiveRoomsService,
  ) {}

  async storeMessage(sdkAppId: number, g: GroupDoc, m: Omit<GroupMessageDoc, '_id' | 'sdkAppId' | 'groupId' | 'seq' | 'recalled' | 'expiresAt'>, onlineOnly: boolean): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const seq = await this.seqs.next(sdkAppId, g.groupId, () => this.repo.maxSeq(sdkAppId, g.groupId));
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
      await this.seqs.raise(sdkAppId, g.groupId, await this.repo.maxSeq(sdkAppId, g.groupId));
    }
  }

  /** A group tip: stored and pushed, pushed only or neither, per the type. */
  async tip(ctx: Ctx, g: GroupDoc, opType: number, users: string[], extra: Json): Promise<void> {
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

  /** An online-only group system notification (Tencent's types 1-255) to some users. */
  async system(sdkAppId: number, groupId: string, users: string[], type: number, extra: Json): Promise<void> {
    if (!users.length) return;
    await this.deliver(sdkAppId, groupId, users, 'group_system', { GroupId: groupId, Type: type, ...extra }, 0, '{"PushFlag":1}', '');
  }

  /**
   * Delivers to the group's audience: members by MsgFlag (Discard gets nothing, AcceptNotNotify
   * no offline push), or the AVChatRoom's current audience (online only); `only` narrows the
   * members to those named (targeted messages).
   */
  async fanOut(ctx: Ctx, g: GroupDoc, kind: string, body: Json, seq: number, offlinePush: string, only?: Set<string>): Promise<void> {
    if (!RULES[g.kind as GroupKind].memberList) {
      await this.live.fanOutLive(ctx.sdkAppId, g.groupId, kind, body, ctx.loginId);
      return;
    }
    const { notify, quiet } = await this.repo.audience(ctx.sdkAppId, g.groupId);
    const keep = (users: string[]) => (only ? users.filter((u) => only.has(u)) : users);
    await this.deliver(ctx.sdkAppId, g.groupId, keep(notify), kind, body, seq, offlinePush, ctx.loginId);
    await this.deliver(ctx.sdkAppId, g.groupId, keep(quiet), kind, body, seq, '{"PushFlag":1}', ctx.loginId);
  }

  async deliver(sdkAppId: number, groupId: string, recipients: string[], kind: string, body: unknown, seq: number, offlinePush: string, excludeLoginId: string): Promise<void> {
    if (!recipients.length) return;
    const key = `${sdkAppId}:${groupId}`;
    await this.bus.publish(
      TOPICS.deliveries,
      key,
      { deliveryRequested: { recipients, kind, body: Buffer.from(JSON.stringify(body)), conversationId: `group:${groupId}`, seq: String(seq), excludeLoginId, offlinePush: Buffer.from(offlinePush), onlineOnlyRecipients: [] } },
      { sdkAppId },
    );
  }

  async changed(ctx: Ctx, groupId: string, kind: string, change: string, members: string[], detail: unknown): Promise<void> {
    await this.bus.publish(
      TOPICS.groupEvents,
      `${ctx.sdkAppId}:${groupId}`,
      { groupChanged: { groupId, groupType: kind, change, operator: ctx.operator, members, detailJson: Buffer.from(JSON.stringify(detail)), origin: originOf(ctx) } },
      { sdkAppId: ctx.sdkAppId },
    );
  }

  /**
   * Recalled (or deleted) messages on their own low-volume topic, with the media UUIDs each
   * carried, produced before the caller answers: the media worker deletes the objects from there
   * and reads no group message.
   */
  async recalled(ctx: Ctx, groupId: string, messages: Pick<GroupMessageDoc, 'seq' | 'from' | 'body'>[]): Promise<void> {
    if (!messages.length) return;
    await this.bus.publish(
      TOPICS.groupRecalls,
      `${ctx.sdkAppId}:${groupId}`,
      {
        messagesRecalled: {
          conversationId: `group:${groupId}`,
          messages: messages.map((m) => ({ msgSeq: String(m.seq), fromAccount: m.from, msgKey: '', mediaUuids: mediaUuids(m.body) })),
          operator: ctx.operator,
          byAdmin: ctx.isAdmin,
          recallTime: String(now()),
        },
      },
      { sdkAppId: ctx.sdkAppId },
    );
  }

  async loadGroup(ctx: Ctx, body: Json): Promise<GroupDoc> {
    const id = body['GroupId'];
    if (typeof id !== 'string' || !id || Buffer.byteLength(id) > 96) throw fail(GroupCode.GROUP_ID_INVALID, 'GroupId is missing or invalid');
    const g = await this.repo.group(ctx.sdkAppId, id);
    if (!g) throw fail(GroupCode.GROUP_NOT_FOUND, `group ${id} does not exist`);
    return g;
  }

  async requireMember(ctx: Ctx, g: GroupDoc): Promise<MemberDoc> {
    const m = await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator);
    if (!m) throw fail(GroupCode.NO_PERMISSION, 'not a member of this group');
    return m;
  }

  /** The operator's role; the app admin counts as owner. */
  async operatorRole(ctx: Ctx, g: GroupDoc): Promise<Role | 'None'> {
    if (ctx.isAdmin || g.owner === ctx.operator) return 'Owner';
    if (!RULES[g.kind as GroupKind].memberList) return 'None';
    return ((await this.repo.member(ctx.sdkAppId, g.groupId, ctx.operator))?.role as Role | undefined) ?? 'None';
  }

  newMember(sdkAppId: number, groupId: string, userId: string, role: Role, rules: GroupRules, joinSeq: number, data: KeyValue[]): MemberDoc {
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

  memberView(m: MemberDoc, muteUntil: number, fields: string[] | undefined, declared: DeclaredField[], level: number, dataFilter?: (data: KeyValue[]) => KeyValue[]): Json {
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

  async muteMap(sdkAppId: number, groupId: string): Promise<Map<string, number>> {
    return new Map((await this.repo.mutesOf(sdkAppId, groupId)).map((m) => [m.userId, m.until]));
  }

  async lastSeq(sdkAppId: number, g: GroupDoc): Promise<number> {
    return (await this.seqs.current(sdkAppId, g.groupId)) ?? this.repo.maxSeq(sdkAppId, g.groupId);
  }

  async unreadOf(sdkAppId: number, g: GroupDoc, m: MemberDoc): Promise<number> {
    if (!RULES[g.kind as GroupKind].unread) return 0;
    return Math.max(0, (await this.lastSeq(sdkAppId, g)) - m.msgSeq);
  }

  async memberCount(sdkAppId: number, g: GroupDoc): Promise<number> {
    if (RULES[g.kind as GroupKind].memberList) return this.repo.memberCount(sdkAppId, g.groupId);
    return this.liveRooms.onlineCount(sdkAppId, g.groupId);
  }

  /** Everyone a group-wide notice goes to: members, or the AVChatRoom audience. */
  async audience(sdkAppId: number, g: GroupDoc): Promise<string[]> {
    if (RULES[g.kind as GroupKind].memberList) return (await this.repo.memberList(sdkAppId, g.groupId)).map((m) => m.userId);
    return this.liveRooms.audience(sdkAppId, g.groupId);
  }

  /** A user may be in at most MERIDIAN_GROUP_JOINED_MAX groups (10037). */
  async requireJoinRoom(sdkAppId: number, userId: string): Promise<void> {
    if ((await this.repo.groupsOf(sdkAppId, userId)).length >= this.config.MERIDIAN_GROUP_JOINED_MAX) throw fail(GroupCode.JOINED_LIMIT, `${userId} is in too many groups`);
  }

  existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return existingAccounts(this.clients, sdkAppId, userIds);
  }

  async requireAccounts(sdkAppId: number, userIds: string[]): Promise<void> {
    const found = await this.existing(sdkAppId, userIds);
    const missing = userIds.find((u) => !found.has(u));
    if (missing !== undefined) throw fail(GroupCode.ACCOUNT_NOT_FOUND, `account ${missing} does not exist`);
  }

  async accountOf(sdkAppId: number, userId: string): Promise<authV1.AccountResult> {
    const res = await this.clients.service<authV1.AuthServiceClient>('auth').checkAccounts({ sdkAppId, userIds: [userId] });
    return res.results[0]!;
  }
}
