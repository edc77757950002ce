import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId } from '@meridian/contracts';
import { EventBus, GrpcClients } from '@meridian/platform';
import type { chatEventsV1, groupV1, originEventsV1 } from '@meridian/proto';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';
import { c2cConversationId } from '../messages/conversation-id';
import { messageId, type C2cMessageDoc } from '../messages/message.schema';
import { MessagesRepository } from '../messages/messages.repository';
import { ConversationType, type ConversationDoc } from './conversation.schema';
import { ConversationsRepository, type ConversationRef } from './conversations.repository';

/**
 * Writes per projection command. FerretDB 1.24 hangs on an update command of more than ~50 updates
 * (deploy/dataplane/README.md); 16 is what the backfills use, far from it even with four partitions
 * projected at once.
 */
const PROJECTION_WRITES_PER_COMMAND = 16;

/** Tencent: at most 50 pinned conversations (51012). */
export const PINNED_MAX = 50;
/** AssistFlags bits of recentcontact/get_list. */
const FLAG_PINNED_FIRST = 1;
const FLAG_INCLUDE_EMPTY = 2;

export interface ConversationView {
  type: number;
  peer: string;
  msgTime: number;
  pinned: boolean;
  unread: number;
  lastSeq: number;
  readSeq: number;
  peerReadSeq: number;
  lastMessage?: C2cMessageDoc;
}

export interface ListInput {
  sdkAppId: number;
  account: string;
  timeStamp: number;
  startIndex: number;
  topTimeStamp: number;
  topStartIndex: number;
  assistFlags: number;
  limit: number;
  withLastMessage: boolean;
}

export interface ListResult {
  conversations: ConversationView[];
  complete: boolean;
  timeStamp: number;
  startIndex: number;
  topTimeStamp: number;
  topStartIndex: number;
}

const c2c = (sdkAppId: number, owner: string, peer: string): ConversationRef => ({ sdkAppId, owner, type: ConversationType.C2C, peer });

/**
 * Conversation lists, read positions and unread counts. The list entries are a projection of
 * the message events (see ConversationsProjector); unread counts are counted from the messages
 * themselves between the read position and the peer's newest message, so no counter can drift.
 */
@Injectable()
export class ConversationsService {
  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(ConversationsRepository) private readonly conversations: ConversationsRepository,
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private readonly logger = new Logger(ConversationsService.name);

  /**
   * The user's groups with their last message time and the user's unread count, from the group
   * service (group conversations are not projected per member: one group message would otherwise
   * cost one write per member). AVChatRooms and inactive Work groups are not conversations.
   */
  private async joinedGroups(sdkAppId: number, account: string): Promise<{ groupId: string; lastMsgTime: number; unread: number }[]> {
    try {
      const res = await this.clients.service<groupV1.GroupServiceClient>('group').execute({
        sdkAppId,
        command: 'get_joined_group_list',
        operator: '',
        operatorIsAdmin: true,
        bodyJson: Buffer.from(JSON.stringify({ Member_Account: account, ResponseFilter: { GroupBaseInfoFilter: ['LastMsgTime'], SelfInfoFilter: ['UnreadMsgNum'] } })),
        loginId: '',
        gatewayAddress: '',
        gatewayRegion: '',
        origin: undefined,
      });
      const body = JSON.parse(Buffer.from(res.bodyJson).toString('utf8')) as { GroupIdList?: { GroupId: string; LastMsgTime?: number; SelfInfo?: { UnreadMsgNum?: number } }[] };
      return (body.GroupIdList ?? []).map((g) => ({ groupId: g.GroupId, lastMsgTime: g.LastMsgTime ?? 0, unread: g.SelfInfo?.UnreadMsgNum ?? 0 }));
    } catch (err) {
      // The list still answers with the 1:1 conversations.
      this.logger.warn({ sdkAppId, error: (err as Error).message }, 'group conversations unavailable');
      return [];
    }
  }

  /** Applies one stored message to the lists of the recipient and (unless told not to) the sender. */
  async applyStored(sdkAppId: number, e: chatEventsV1.C2cMessageStoredEvent): Promise<void> {
    await this.applyStoredBatch([{ sdkAppId, event: e }]);
  }

  /**
   * The stored messages of one consumed batch, one conditional write per conversation side: a
   * side's writes fold into one at its highest seq, the later seq's fields winning (what applying
   * them one by one would leave; a write whose seq is not past the entry's projectedSeq changes
   * nothing, so a replayed batch changes nothing either). Sent in commands of at most
   * PROJECTION_WRITES_PER_COMMAND writes (FerretDB hangs past ~50 in one command,
   * deploy/dataplane/README.md).
   */
  async applyStoredBatch(batch: { sdkAppId: number; event: chatEventsV1.C2cMessageStoredEvent }[]): Promise<void> {
    type Write = { ref: ConversationRef; seq: number; set: Partial<ConversationDoc> };
    const sides = new Map<string, Write[]>();
    for (const { sdkAppId, event } of batch) {
      for (const w of this.sidesOf(sdkAppId, event)) {
        const key = `${sdkAppId}\u0000${w.ref.owner}\u0000${w.ref.peer}`;
        const list = sides.get(key);
        if (list) list.push(w);
        else sides.set(key, [w]);
      }
    }
    // Messages of one conversation can be produced out of seq order (concurrent sends): fold by seq.
    const items = [...sides.values()].map((writes) =>
      writes.sort((x, y) => x.seq - y.seq).reduce((acc, w) => ({ ref: w.ref, seq: w.seq, set: { ...acc.set, ...w.set } })),
    );
    for (let i = 0; i < items.length; i += PROJECTION_WRITES_PER_COMMAND) await this.conversations.projectAllAt(items.slice(i, i + PROJECTION_WRITES_PER_COMMAND));
  }

  /** The list entries one stored message moves: the recipient's, and the sender's unless told not to. */
  private sidesOf(sdkAppId: number, e: chatEventsV1.C2cMessageStoredEvent): { ref: ConversationRef; seq: number; set: Partial<ConversationDoc> }[] {
    if (e.onlineOnly) return [];
    const seq = Number(e.msgSeq);
    const self = e.fromAccount === e.toAccount;
    const owners = [{ owner: e.toAccount, peer: e.fromAccount, incoming: !self }];
    if (e.senderSync && !self) owners.push({ owner: e.fromAccount, peer: e.toAccount, incoming: false });
    return owners.map((o) => {
      const set: Partial<ConversationDoc> = { projectedSeq: seq, deleted: false, updatedAt: new Date() };
      if (!e.noLastMsg) Object.assign(set, { lastSeq: seq, lastTime: Number(e.msgTime), lastExpiresAt: new Date(Number(e.expiresAt) * 1000) });
      if (o.incoming && !e.noUnread) set.lastPeerSeq = seq;
      return { ref: c2c(sdkAppId, o.owner, o.peer), seq, set };
    });
  }

  /** Unread messages of one conversation: the peer's counted messages after the read position. */
  async unreadOf(doc: Pick<ConversationDoc, 'sdkAppId' | 'owner' | 'peer' | 'type' | 'readSeq' | 'clearedSeq' | 'lastPeerSeq' | 'deleted'>): Promise<number> {
    if (doc.type !== ConversationType.C2C || doc.deleted) return 0;
    const from = Math.max(doc.readSeq ?? 0, doc.clearedSeq ?? 0);
    const upto = doc.lastPeerSeq ?? 0;
    if (upto <= from) return 0;
    const rows = await this.messages.unreadCandidates(doc.sdkAppId, c2cConversationId(doc.owner, doc.peer), from, upto, this.config.MERIDIAN_CHAT_UNREAD_MAX);
    const now = Date.now();
    return rows.filter((m) => m.from === doc.peer && !m.recalled && !m.noUnread && new Date(m.expiresAt).getTime() > now).length;
  }

  async unread(sdkAppId: number, account: string, peers: string[]): Promise<{ total: number; peers: { peer: string; unread: number }[] }> {
    requireAccount(account);
    for (const p of peers) requireAccount(p);
    const all = await this.conversations.listOf(sdkAppId, account);
    const counts = await Promise.all(all.map(async (d) => ({ d, n: await this.unreadOf(d) })));
    const byPeer = new Map(counts.filter((c) => c.d.type === ConversationType.C2C).map((c) => [c.d.peer, c.n]));
    return {
      total: counts.reduce((s, c) => s + c.n, 0),
      peers: peers.map((peer) => ({ peer, unread: byPeer.get(peer) ?? 0 })),
    };
  }

  /**
   * A read report: `account` has read the conversation with `peer` up to readSeq (0: the newest
   * message), or up to the last message sent at or before readTime. The position only moves
   * forward; when it moves, the peer's and the reporter's other devices are told, and the event
   * feeds C2C.CallbackAfterMsgReport.
   */
  async reportRead(input: { sdkAppId: number; account: string; peer: string; readSeq: number; readTime: number; loginId: string; origin?: originEventsV1.Origin }): Promise<{ readSeq: number; unread: number }> {
    requireAccount(input.account);
    requireAccount(input.peer);
    const conv = c2cConversationId(input.account, input.peer);
    const maxSeq = await this.messages.maxSeq(input.sdkAppId, conv);
    let target = maxSeq;
    if (input.readSeq > 0) target = Math.min(input.readSeq, maxSeq);
    else if (input.readTime > 0) target = await this.seqAtTime(input.sdkAppId, conv, input.readTime, maxSeq);
    const ref = c2c(input.sdkAppId, input.account, input.peer);
    const before = await this.conversations.find(ref);
    const previous = before?.readSeq ?? 0;
    const now = Math.floor(Date.now() / 1000);
    const lastReadTime = input.readTime > 0 ? input.readTime : now;
    const moved = target > previous;
    if (moved) await this.conversations.upsert(ref, { $max: { readSeq: target }, $set: { readTime: lastReadTime } });
    const readSeq = Math.max(previous, target);
    const unread = await this.unreadOf({ ...ref, ...(before ?? {}), readSeq, deleted: false });
    if (moved) {
      const opts = { sdkAppId: input.sdkAppId };
      await this.bus.publish(
        TOPICS.c2cMessages,
        conv,
        { c2cReadReported: { conversationId: conv, reportAccount: input.account, peerAccount: input.peer, readSeq: String(target), lastReadTime: String(lastReadTime), unreadMsgNum: unread, origin: input.origin } },
        opts,
      );
      const body = { ConversationId: conv, Report_Account: input.account, Peer_Account: input.peer, MsgReadSeq: target, LastReadTime: lastReadTime };
      await this.bus.publish(
        TOPICS.deliveries,
        conv,
        {
          deliveryRequested: {
            recipients: input.account === input.peer ? [input.account] : [input.peer, input.account],
            kind: 'c2c_read',
            body: Buffer.from(JSON.stringify(body)),
            conversationId: conv,
            seq: '0',
            excludeLoginId: input.loginId,
            offlinePush: Buffer.alloc(0),
            onlineOnlyRecipients: [],
          },
        },
        opts,
      );
    }
    return { readSeq, unread };
  }

  /** How far each party has read and hidden a conversation (for history views). */
  async positions(sdkAppId: number, account: string, peer: string): Promise<{ clearedSeq: number; peerReadSeq: number }> {
    const [mine, theirs] = await Promise.all([this.conversations.find(c2c(sdkAppId, account, peer)), this.conversations.find(c2c(sdkAppId, peer, account))]);
    return { clearedSeq: mine?.clearedSeq ?? 0, peerReadSeq: theirs?.readSeq ?? 0 };
  }

  /**
   * A page of the user's conversation list, Tencent's way: pinned conversations first (with
   * AssistFlags bit 0), then the rest, each newest first and paged by its own (time, index) cursor.
   */
  async list(input: ListInput): Promise<ListResult> {
    requireAccount(input.account);
    const now = Date.now();
    const includeEmpty = (input.assistFlags & FLAG_INCLUDE_EMPTY) !== 0;
    const pinnedFirst = (input.assistFlags & FLAG_PINNED_FIRST) !== 0;
    const [docs, groups] = await Promise.all([this.conversations.listOf(input.sdkAppId, input.account), this.joinedGroups(input.sdkAppId, input.account)]);
    const c2cItems: { d: ConversationDoc; time: number; unread?: number }[] = docs
      .filter((d) => d.type === ConversationType.C2C && !d.deleted)
      .map((d) => ({ d, time: d.lastExpiresAt && new Date(d.lastExpiresAt).getTime() > now ? (d.lastTime ?? 0) : 0 }));
    // Group entries: the group service's facts, with this list's own pin and delete marks.
    const marks = new Map(docs.filter((d) => d.type === ConversationType.GROUP).map((d) => [d.peer, d]));
    const groupItems = groups
      .map((g) => {
        const mark = marks.get(g.groupId);
        const d: ConversationDoc = mark ?? { _id: `${input.sdkAppId}:${input.account}:group:${g.groupId}`, sdkAppId: input.sdkAppId, owner: input.account, type: ConversationType.GROUP, peer: g.groupId };
        return { d, time: g.lastMsgTime, unread: g.unread, hidden: mark?.deletedAt !== undefined && g.lastMsgTime <= mark.deletedAt && !mark.pinned };
      })
      .filter((x) => !x.hidden);
    const live = [...c2cItems, ...groupItems].filter((x) => includeEmpty || x.time > 0 || x.d.pinned);
    const order = (a: { d: ConversationDoc; time: number }, b: { d: ConversationDoc; time: number }) => b.time - a.time || a.d._id.localeCompare(b.d._id);
    // Tencent keeps the most recent conversations only (100 by default).
    const kept = [...live].sort(order).slice(0, this.config.MERIDIAN_CHAT_CONVERSATIONS_MAX);
    const pinned = pinnedFirst ? kept.filter((x) => x.d.pinned) : [];
    const normal = pinnedFirst ? kept.filter((x) => !x.d.pinned) : kept;
    const limit = Math.min(Math.max(input.limit || this.config.MERIDIAN_CHAT_CONVERSATION_PAGE, 1), this.config.MERIDIAN_CHAT_CONVERSATION_PAGE);
    const top = page(pinned, input.topTimeStamp, input.topStartIndex, limit);
    const rest = page(normal, input.timeStamp, input.startIndex, limit - top.items.length);
    const items = [...top.items, ...rest.items];
    const views = await Promise.all(items.map((x) => this.view(x.d, x.time, pinnedFirst, input.withLastMessage, x.unread)));
    return {
      conversations: views,
      complete: top.complete && rest.complete,
      timeStamp: rest.cursor.time,
      startIndex: rest.cursor.index,
      topTimeStamp: top.cursor.time,
      topStartIndex: top.cursor.index,
    };
  }

  /** Removes a conversation from the user's list (and marks it read); ClearRamble also hides its history. */
  async delete(input: { sdkAppId: number; account: string; type: number; peer: string; clearHistory: boolean }): Promise<void> {
    requireAccount(input.account);
    if (input.type !== ConversationType.C2C && input.type !== ConversationType.GROUP) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Type is 1 (C2C) or 2 (group)');
    if (input.type === ConversationType.C2C) requireAccount(input.peer);
    else if (!input.peer) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ToGroupid is required');
    const ref: ConversationRef = { sdkAppId: input.sdkAppId, owner: input.account, type: input.type, peer: input.peer };
    if (input.type === ConversationType.GROUP) {
      // Hidden until the group's next message (the group service keeps the messages).
      await this.conversations.upsert(ref, { $set: { deletedAt: Math.floor(Date.now() / 1000), pinned: false, updatedAt: new Date() } });
      return;
    }
    const doc = await this.conversations.find(ref);
    if (!doc) return;
    const max: Record<string, number> = { readSeq: doc.lastPeerSeq ?? 0 };
    if (input.clearHistory && input.type === ConversationType.C2C) max['clearedSeq'] = await this.messages.maxSeq(input.sdkAppId, c2cConversationId(input.account, input.peer));
    await this.conversations.update(ref, { $set: { deleted: true, pinned: false, updatedAt: new Date() }, $max: max });
  }

  async pin(input: { sdkAppId: number; account: string; type: number; peer: string; pinned: boolean }): Promise<void> {
    requireAccount(input.account);
    if (input.type === ConversationType.C2C) requireAccount(input.peer);
    else if (input.type !== ConversationType.GROUP || !input.peer) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'a C2C peer or a group id is required');
    const ref: ConversationRef = { sdkAppId: input.sdkAppId, owner: input.account, type: input.type, peer: input.peer };
    if (!input.pinned) {
      await this.conversations.update(ref, { $set: { pinned: false, updatedAt: new Date() } });
      return;
    }
    const all = await this.conversations.listOf(input.sdkAppId, input.account);
    const others = all.filter((d) => d.pinned && !(d.type === ref.type && d.peer === ref.peer)).length;
    if (others >= PINNED_MAX) throw new MeridianError(ErrorCode.CONVERSATION_PIN_LIMIT, `at most ${PINNED_MAX} pinned conversations`);
    await this.conversations.upsert(ref, { $set: { pinned: true, deleted: false, updatedAt: new Date() }, ...(ref.type === ConversationType.GROUP ? { $unset: { deletedAt: 1 } } : {}) });
  }

  private async view(d: ConversationDoc, time: number, pinnedFirst: boolean, withLast: boolean, unread?: number): Promise<ConversationView> {
    const v: ConversationView = {
      type: d.type,
      peer: d.peer,
      msgTime: time,
      pinned: Boolean(d.pinned) && pinnedFirst,
      unread: unread ?? (await this.unreadOf(d)),
      lastSeq: d.lastSeq ?? 0,
      readSeq: d.readSeq ?? 0,
      peerReadSeq: 0,
    };
    if (withLast && d.type === ConversationType.C2C) {
      const conv = c2cConversationId(d.owner, d.peer);
      const [last, theirs] = await Promise.all([
        v.lastSeq && v.lastSeq > (d.clearedSeq ?? 0) ? this.messages.findOne(messageId(d.sdkAppId, conv, v.lastSeq)) : Promise.resolve(null),
        this.conversations.find(c2c(d.sdkAppId, d.peer, d.owner)),
      ]);
      if (last) v.lastMessage = last;
      v.peerReadSeq = theirs?.readSeq ?? 0;
    }
    return v;
  }

  /** The seq of the newest message sent at or before `time` (scanning back a bounded distance). */
  private async seqAtTime(sdkAppId: number, conv: string, time: number, maxSeq: number): Promise<number> {
    let before = maxSeq + 1;
    for (let pages = 0; pages < 20 && before > 1; pages++) {
      const rows = await this.messages.before(sdkAppId, conv, before, 100);
      if (!rows.length) return 0;
      const hit = rows.find((m) => m.time <= time);
      if (hit) return hit.seq;
      before = rows[rows.length - 1]!.seq;
    }
    return 0;
  }
}

function requireAccount(id: string): void {
  if (!isValidUserId(id)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid account ${JSON.stringify(id)}`);
}

/**
 * Tencent's (time, index) cursor over a list sorted newest first: a page starts after the first
 * `index` entries whose time equals `time` ((0, 0): from the start; empty conversations have time 0).
 */
function page<T extends { time: number }>(list: T[], time: number, index: number, limit: number): { items: T[]; complete: boolean; cursor: { time: number; index: number } } {
  let start = 0;
  const resuming = time > 0 || index > 0;
  if (resuming) {
    while (start < list.length && list[start]!.time > time) start++;
    let skipped = 0;
    while (start < list.length && list[start]!.time === time && skipped < index) {
      start++;
      skipped++;
    }
  }
  const items = limit > 0 ? list.slice(start, start + limit) : [];
  const complete = start + items.length >= list.length;
  const last = items[items.length - 1];
  if (!last) return { items, complete, cursor: { time, index } };
  const sameTime = items.filter((x) => x.time === last.time).length;
  const carried = resuming && last.time === time ? index : 0;
  return { items, complete, cursor: { time: last.time, index: carried + sameTime } };
}
