import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId, validateMsgBody, validateOfflinePushInfo } from '@meridian/contracts';
import { EventBus, HOUR_S, hourPage } from '@meridian/platform';
import { GROUP_CONFIG, type GroupConfig } from '../group.config';
import { GroupCode, RULES, type GroupKind } from './group-rules';
import type { GroupDoc, GroupMessageDoc, MemberDoc } from './group.schema';
import { GroupsRepository } from './groups.repository';
import { originOf } from './group-origin';
import { type Ctx, type Json, fail, now, PRIORITIES, type SentGroupMessage, str, account, uint, list, accounts, requireAdmin } from './group-input';
import { GroupCore } from './group-core';
import { LiveRoomsService } from './live-rooms.service';
import { GroupSequencesRepository } from './group-sequences.repository';
import { SendControlRepository } from './send-control.repository';
import { LiveRoomsRepository } from './live-rooms.repository';
import { AuthAppSettings } from '../apps/auth-app-settings';

/** send_broadcast_msg's fields (typed RPC SendBroadcastMessage). */
export interface BroadcastInput {
  /** Empty: the admin. */
  from: string;
  random: number;
  msgBody: unknown;
  cloudCustomData: string;
}

@Injectable()
export class GroupMessagesService {
  constructor(
    @Inject(GROUP_CONFIG) private readonly config: GroupConfig,
    @Inject(GroupsRepository) private readonly repo: GroupsRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GroupSequencesRepository) private readonly seqs: GroupSequencesRepository,
    @Inject(SendControlRepository) private readonly sendControl: SendControlRepository,
    @Inject(LiveRoomsRepository) private readonly liveRooms: LiveRoomsRepository,
    @Inject(GroupCore) private readonly core: GroupCore,
    @Inject(LiveRoomsService) private readonly live: LiveRoomsService,
    @Inject(AuthAppSettings) private readonly appSettings: AuthAppSettings,
  ) {}

  async send(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
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
      if (from !== ctx.operator) await this.core.requireAccounts(ctx.sdkAppId, [from]);
    } else if (!(await this.liveRooms.isIn(ctx.sdkAppId, g.groupId, from))) {
      throw fail(GroupCode.NO_PERMISSION, 'join the AVChatRoom before sending');
    }
    if (!ctx.isAdmin) {
      const [muteUntil, sender] = await Promise.all([this.repo.muteOf(ctx.sdkAppId, g.groupId, from), this.core.accountOf(ctx.sdkAppId, from)]);
      if (muteUntil > now()) throw fail(GroupCode.MUTED, 'you are muted in this group');
      if (Number(sender.groupMutedUntil) > now()) throw fail(GroupCode.MUTED, 'you are muted app-wide for group messages');
      const role = member?.role ?? (g.owner === from ? 'Owner' : 'Member');
      if (g.muteAll && role === 'Member') throw fail(GroupCode.MUTED, 'the whole group is muted');
    }
    // At most once per (sender, Random) within the window: the first attempt claims it, retries
    // get its answer (10023 while it still runs).
    const dedupeKey = this.sendControl.dedupeKey(ctx.sdkAppId, g.groupId, from, random);
    const window = this.config.MERIDIAN_GROUP_DEDUPE_S;
    const earlier = await this.sendControl.claim(dedupeKey, window);
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
        await this.sendControl.complete(dedupeKey, answer, window);
        const m: SentGroupMessage = { from, random, time: copy.time, msgBody: JSON.parse(copy.body) as unknown, text: copy.body, cloud: copy.cloudCustomData, priority: copy.priority, onlineOnly: false, noUnread: false, noLastMsg: false, noCallbacks: false };
        if (!copy.recalled) await this.announce(ctx, g, member, m, copy.seq, '');
        return answer;
      }
      // Frequency control: client messages over the group's rate are answered but dropped, lowest
      // priority first; app admins are exempt.
      if (!ctx.isAdmin) {
        const second = now();
        const n = await this.sendControl.countInSecond(ctx.sdkAppId, g.groupId, second);
        const budget = this.config.MERIDIAN_GROUP_MSG_PER_SECOND;
        const cap = priority === 'High' ? budget * 2 : priority === 'Normal' ? budget : Math.ceil(budget / 2);
        if (n > cap) {
          await this.sendControl.release(dedupeKey);
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
        seq = await this.core.storeMessage(ctx.sdkAppId, g, { from, random, time: m.time, body: m.text, cloudCustomData: cloud, priority, tip: false }, onlineOnly);
        stored = true;
      }
      const answer = { MsgTime: m.time, MsgSeq: seq };
      await this.sendControl.complete(dedupeKey, answer, window);
      await this.announce(ctx, g, member, m, seq, offlinePush ? JSON.stringify(offlinePush) : '');
      return answer;
    } catch (err) {
      if (!stored) await this.sendControl.release(dedupeKey);
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
    await this.core.fanOut(ctx, g, 'group', push, seq, offlinePush, m.targets);
  }

  async systemNotification(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    if (!ctx.isAdmin) throw fail(GroupCode.NO_PERMISSION, 'app admins only');
    const content = str(body, 'Content', { required: true, max: 12 * 1024 })!;
    const to = accounts(body, 'ToMembers_Account', 500, false);
    if (g.kind === 'AVChatRoom' && !to.length) {
      await this.live.fanOutLive(ctx.sdkAppId, g.groupId, 'group_system', { GroupId: g.groupId, Type: 255, Content: content }, '');
      return {};
    }
    const audience = await this.core.audience(ctx.sdkAppId, g);
    const recipients = to.length ? to.filter((u) => audience.includes(u)) : audience;
    await this.core.system(ctx.sdkAppId, g.groupId, recipients, 255, { Content: content });
    return {};
  }

  async recall(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.RECALL_UNSUPPORTED, 'AVChatRoom messages are not stored');
    const seqs = list(body, 'MsgSeqList', 10).map((i) => {
      const seq = uint((i ?? {}) as Json, 'MsgSeq');
      if (!seq) throw fail(GroupCode.INVALID_PARAMETER, 'MsgSeqList items are {MsgSeq}');
      return seq;
    });
    const role = await this.core.operatorRole(ctx, g);
    const { recallWindowS } = await this.appSettings.get(ctx.sdkAppId);
    const out: { MsgSeq: number; RetCode: number }[] = [];
    const recalled: GroupMessageDoc[] = [];
    for (const seq of seqs) {
      const m = await this.repo.message(ctx.sdkAppId, g.groupId, seq);
      if (!m || m.tip || m.expiresAt.getTime() <= Date.now()) out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
      else if (m.recalled) out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
      else if (!ctx.isAdmin && role !== 'Owner' && role !== 'Admin' && (m.from !== ctx.operator || now() - m.time > recallWindowS)) {
        out.push({ MsgSeq: seq, RetCode: m.from !== ctx.operator ? GroupCode.NO_PERMISSION : GroupCode.RECALL_WINDOW });
      } else if (await this.repo.markRecalled(ctx.sdkAppId, g.groupId, seq)) {
        out.push({ MsgSeq: seq, RetCode: 0 });
        recalled.push(m);
      } else out.push({ MsgSeq: seq, RetCode: GroupCode.RECALL_NOT_FOUND });
    }
    if (recalled.length) {
      const recalledSeqs = recalled.map((m) => m.seq);
      await Promise.all([
        this.core.changed(ctx, g.groupId, g.kind, 'MsgRecalled', [], { MsgSeqList: recalledSeqs.map((MsgSeq) => ({ MsgSeq })) }),
        this.core.recalled(ctx, g.groupId, recalled),
      ]);
      await this.core.fanOut(ctx, g, 'group_recall', { GroupId: g.groupId, MsgSeqList: recalledSeqs, Operator_Account: ctx.operator }, 0, '{"PushFlag":1}');
    }
    return { RecallRetList: out };
  }

  /**
   * v4/openim/modify_group_msg (app admins): overwrites a stored message's MsgBody and/or
   * CloudCustomData; members get it as `group_modify`. Not for AVChatRooms (nothing is stored).
   */
  async modifyMessage(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.core.loadGroup(ctx, body);
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
    await this.core.fanOut(ctx, g, 'group_modify', notice, 0, '{"PushFlag":1}');
    return {};
  }

  /**
   * import_group_msg: ≤20 messages in ascending SendTime between the group's creation and now;
   * text, face, location and custom elements only. Each gets the group's next seq; with
   * RecentContactFlag 1 the members' conversations move to the last of them.
   */
  async importMessages(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.core.loadGroup(ctx, body);
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
      const seq = await this.core.storeMessage(ctx.sdkAppId, g, { from, random, time, body: JSON.stringify(msgBody), cloudCustomData: '', priority: 'Normal', tip: false }, false);
      out.push({ MsgSeq: seq, MsgTime: time, Result: 0 });
    }
    // Members' conversation lists follow the group's last message time: moved only on request.
    if (updateConversations && out.some((r) => r['Result'] === 0)) await this.repo.updateGroup(ctx.sdkAppId, g.groupId, { $max: { lastMsgTime: previous } });
    return { GroupId: g.groupId, ImportMsgResult: out };
  }

  /** delete_group_msg_by_sender: removes a sender's stored messages from the group's history. */
  async deleteBySender(ctx: Ctx, body: Json): Promise<Json> {
    requireAdmin(ctx);
    const g = await this.core.loadGroup(ctx, body);
    if (!RULES[g.kind as GroupKind].stores) throw fail(GroupCode.AVCHATROOM_UNSUPPORTED, 'AVChatRooms keep no messages');
    const sender = account(body, 'Sender_Account')!;
    let before = (await this.core.lastSeq(ctx.sdkAppId, g)) + 1;
    for (;;) {
      const page = await this.repo.messagesPage(ctx.sdkAppId, g.groupId, { beforeSeq: before, limit: 500 });
      const removed: GroupMessageDoc[] = [];
      for (const m of page) if (m.from === sender && !m.tip && (await this.repo.markRecalled(ctx.sdkAppId, g.groupId, m.seq))) removed.push(m);
      // Their objects go as a recall's do.
      await this.core.recalled(ctx, g.groupId, removed);
      if (page.length < 500) break;
      before = page[page.length - 1]!.seq;
    }
    return {};
  }

  async history(ctx: Ctx, body: Json): Promise<Json> {
    const g = await this.core.loadGroup(ctx, body);
    const rules = RULES[g.kind as GroupKind];
    if (!rules.stores) throw fail(GroupCode.NO_PERMISSION, 'AVChatRoom messages are not stored');
    const count = uint(body, 'ReqMsgNumber', 20);
    if (!count) throw fail(GroupCode.INVALID_PARAMETER, 'ReqMsgNumber is 1-20');
    const withRecalled = body['WithRecalledMsg'] === 1;
    let floor = 0;
    if (!ctx.isAdmin) {
      const m = await this.core.requireMember(ctx, g);
      if (!rules.historyBeforeJoin) floor = m.joinSeq;
      // Documents from before clearedSeq existed have none.
      floor = Math.max(floor, m.clearedSeq ?? 0);
    }
    const top = uint(body, 'ReqMsgSeq', Number.MAX_SAFE_INTEGER);
    const page = await this.repo.messagesPage(ctx.sdkAppId, g.groupId, { beforeSeq: (top ?? (await this.core.lastSeq(ctx.sdkAppId, g))) + 1, limit: count + 1 });
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

  /**
   * send_broadcast_msg: one message to every AVChatRoom of the app (online audiences only), with
   * the app's broadcast seq. Each room costs one DeliverLive call per gateway holding it.
   */
  async broadcast(ctx: Ctx, input: BroadcastInput): Promise<number> {
    requireAdmin(ctx);
    if (input.from && !isValidUserId(input.from)) throw fail(GroupCode.INVALID_PARAMETER, 'From_Account is not a valid account');
    const from = input.from || ctx.operator;
    const { random, msgBody, cloudCustomData: cloud } = input;
    validateMsgBody(msgBody, ErrorCode.MSG_TOO_LONG_REST);
    const seq = await this.seqs.nextBroadcast(ctx.sdkAppId);
    const t = now();
    const rooms = (await this.repo.appGroups(ctx.sdkAppId, '', 100_000)).filter((g) => g.kind === 'AVChatRoom');
    await Promise.all(
      rooms.map((g) =>
        this.live.fanOutLive(ctx.sdkAppId, g.groupId, 'group_broadcast', { GroupId: g.groupId, MsgSeq: seq, From_Account: from, Random: random, MsgTime: t, MsgBody: msgBody, CloudCustomData: cloud }, ''),
      ),
    );
    return seq;
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
}
