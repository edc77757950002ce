import { type BackoffOptions } from './backoff.js';
import { Connection, type FetchLike, type GatewayInfo, type LoginAnswer, type NetState, type PushFrame, type WebSocketConstructor } from './connection.js';
import { Deduplicator } from './dedup.js';
import { ErrorCodes, MeridianError } from './errors.js';
import { EVENT, Emitter, type Handler } from './events.js';
import { type CreateMessageOptions, type Message, type WireMessage, TYPES, c2cConversationID, draft, elements, fromWire, peerOf } from './messages.js';

/** Options of {@link Meridian.create}. */
export interface CreateOptions {
  SDKAppID: number;
  /** A gateway base URL (`http(s)://host:port`) answering the addressing endpoint. */
  accessUrl?: string;
  /** Several, tried in order when one does not answer. */
  accessUrls?: string[];
  /** A fixed gateway list instead of the addressing endpoint. */
  gateways?: GatewayInfo[];
  /** Preferred region (e.g. `eu-frankfurt`): its gateways rank first among reachable ones. */
  region?: string;
  /** Login platform (default `Web`). */
  platform?: 'iPhone' | 'Android' | 'iPad' | 'PC' | 'Mac' | 'Linux' | 'Web';
  /** WebSocket implementation: the global one by default; in Node < 22 pass `require('ws')`. */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation (default: the global one). */
  fetch?: FetchLike;
  backoff?: BackoffOptions;
  requestTimeoutMs?: number;
  /** How long a call (a send, too) may wait across reconnects before it fails with 2801 (default 60 s). */
  queueTimeoutMs?: number;
}

/** Every call answers `{code: 0, data}` as Tencent's Chat SDK does, or rejects with a {@link MeridianError}. */
export interface Response<T> {
  code: 0;
  data: T;
}

/** A conversation as the app sees it. */
export interface Conversation {
  /** `C2C<userID>`. */
  conversationID: string;
  type: 'C2C';
  /** The peer's userID. */
  userID: string;
  unreadCount: number;
  isPinned: boolean;
  /** Seconds: the last message's time. */
  lastTime: number;
  lastSeq: number;
  /** Own messages up to this seq were read by the peer. */
  peerReadSeq: number;
  lastMessage: Message | null;
}

/** `MESSAGE_READ_BY_PEER` data item. */
export interface PeerReadReceipt {
  conversationID: string;
  userID: string;
  /** Every own message with `sequence <= msgReadSeq` was read. */
  msgReadSeq: number;
  time: number;
  /** IDs of own messages the SDK holds that became read. */
  messageIDList: string[];
}

interface WireConversation {
  type: number;
  peer: string;
  msgTime: number;
  pinned: boolean;
  unread: number;
  lastSeq: number;
  readSeq: number;
  peerReadSeq: number;
  lastMessage: WireMessage | null;
}

const PROFILE_TAGS: Record<string, string> = {
  nick: 'Tag_Profile_IM_Nick',
  avatar: 'Tag_Profile_IM_Image',
  gender: 'Tag_Profile_IM_Gender',
  selfSignature: 'Tag_Profile_IM_SelfSignature',
  allowType: 'Tag_Profile_IM_AllowType',
  location: 'Tag_Profile_IM_Location',
  language: 'Tag_Profile_IM_Language',
  birthday: 'Tag_Profile_IM_BirthDay',
  level: 'Tag_Profile_IM_Level',
  role: 'Tag_Profile_IM_Role',
};
const MAX_SEQ = 999_999_999_999;

/**
 * A Meridian chat client for one SDKAppID and one user at a time (browsers and Node). Modelled on
 * Tencent's Chat SDK; the connection (addressing, RTT ranking, heartbeats, reconnects, resume,
 * de-duplication, send queue) is handled inside. Groups are not available yet.
 */
export class Meridian {
  static readonly EVENT = EVENT;
  static readonly TYPES = TYPES;

  private readonly emitter = new Emitter();
  private readonly conn: Connection;
  private dedup = new Deduplicator();
  private readonly conversations = new Map<string, Conversation>();
  private readonly store = new Map<string, Map<number, Message>>();
  private readonly byID = new Map<string, Message>();
  private me = '';
  private ready = false;

  /** Creates an instance; nothing connects until {@link Meridian.login}. */
  static create(options: CreateOptions): Meridian {
    return new Meridian(options);
  }

  private constructor(private readonly options: CreateOptions) {
    if (!Number.isInteger(options.SDKAppID) || options.SDKAppID <= 0) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'SDKAppID is required');
    const accessUrls = options.accessUrls ?? (options.accessUrl ? [options.accessUrl] : []);
    if (!accessUrls.length && !options.gateways?.length) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'accessUrl(s) or gateways is required');
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'no global WebSocket: pass the `ws` package as options.WebSocket');
    const fetchImpl = options.fetch ?? (globalThis.fetch?.bind(globalThis) as unknown as FetchLike | undefined);
    if (!fetchImpl) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'no global fetch: pass options.fetch');
    this.conn = new Connection(
      {
        accessUrls,
        gateways: options.gateways,
        region: options.region,
        WebSocket: WS,
        fetch: fetchImpl,
        backoff: options.backoff,
        requestTimeoutMs: options.requestTimeoutMs,
        queueTimeoutMs: options.queueTimeoutMs,
      },
      {
        state: (s) => this.onNetState(s),
        ready: (answer, resumed) => void this.onConnected(answer, resumed),
        push: (p) => this.onPush(p),
        ended: (err, reason) => this.onEnded(err, reason),
      },
    );
  }

  /** Subscribes to an {@link EVENT}; the handler gets `{name, data}`. */
  on(name: string, handler: Handler): void {
    this.emitter.on(name, handler);
  }

  off(name: string, handler: Handler): void {
    this.emitter.off(name, handler);
  }

  isReady(): boolean {
    return this.ready;
  }

  /** The signed-in userID ('' before login). */
  getMyUserID(): string {
    return this.me;
  }

  /** The region and gateway of the current connection, and the net state. */
  getConnectionInfo(): { state: NetState; region?: string; homeRegion?: string; wsUrl?: string; loginId?: string } {
    const s = this.conn.session;
    return { state: this.conn.state, region: this.conn.gateway?.region, homeRegion: s?.homeRegion, wsUrl: this.conn.gateway?.wsUrl, loginId: s?.loginId };
  }

  /**
   * Logs in: finds the nearest gateway, logs in, loads the conversation list, then emits SDK_READY.
   * Rejects with the server's code (e.g. 70001 UserSig expired, 70003 bad UserSig).
   */
  async login(opts: { userID: string; userSig: string }): Promise<Response<{ region: string; homeRegion: string; loginId: string }>> {
    if (!opts?.userID || !opts?.userSig) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'userID and userSig are required');
    if (this.me) throw new MeridianError(ErrorCodes.REPEAT_LOGIN, `already logged in as ${this.me}`);
    this.me = opts.userID;
    try {
      const answer = await this.conn.start({ sdkAppId: this.options.SDKAppID, userId: opts.userID, userSig: opts.userSig, platform: this.options.platform ?? 'Web' });
      await this.whenLoaded;
      return { code: 0, data: { region: answer.region, homeRegion: answer.homeRegion, loginId: answer.loginId } };
    } catch (err) {
      this.me = '';
      throw err;
    }
  }

  /** Logs out (the server ends the session) and forgets all state; the instance can log in again. */
  async logout(): Promise<Response<Record<string, never>>> {
    await this.conn.stop(true);
    this.reset();
    return { code: 0, data: {} };
  }

  /** Closes without logging out (the session ends by itself on the server). */
  async destroy(): Promise<void> {
    await this.conn.stop(false);
    this.reset();
  }

  // ---- messages -----------------------------------------------------------------------------

  createTextMessage(o: CreateMessageOptions<{ text: string }>): Message {
    return draft(this.requireMe(), o, elements.text(o.payload), Math.random);
  }
  createFaceMessage(o: CreateMessageOptions<{ index: number; data?: string }>): Message {
    return draft(this.requireMe(), o, elements.face(o.payload));
  }
  createLocationMessage(o: CreateMessageOptions<{ description: string; longitude: number; latitude: number }>): Message {
    return draft(this.requireMe(), o, elements.location(o.payload));
  }
  /** An image by URL (the platform stores no files yet). */
  createImageMessage(o: CreateMessageOptions<{ url: string; width?: number; height?: number; size?: number; format?: number }>): Message {
    return draft(this.requireMe(), o, elements.image(o.payload));
  }
  createSoundMessage(o: CreateMessageOptions<{ url: string; second: number; size?: number }>): Message {
    return draft(this.requireMe(), o, elements.sound(o.payload));
  }
  createVideoMessage(o: CreateMessageOptions<{ videoUrl: string; second: number; size?: number; format?: string; thumbUrl?: string }>): Message {
    return draft(this.requireMe(), o, elements.video(o.payload));
  }
  createFileMessage(o: CreateMessageOptions<{ url: string; fileName: string; fileSize?: number }>): Message {
    return draft(this.requireMe(), o, elements.file(o.payload));
  }
  createCustomMessage(o: CreateMessageOptions<{ data: string; description?: string; extension?: string }>): Message {
    return draft(this.requireMe(), o, elements.custom(o.payload));
  }

  /**
   * Sends a message. While reconnecting it waits in a queue; after a reconnect it is sent again
   * with the same MsgRandom, which the server de-duplicates, so it is stored exactly once.
   */
  sendMessage(message: Message): Promise<Response<{ message: Message }>> {
    this.requireMe();
    if (message.status === 'success') return Promise.reject(new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message was sent already'));
    // One send at a time, so messages are stored in the order the app sent them, across reconnects too.
    const run = this.sendChain.then(() => this.transmit(message));
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  private sendChain: Promise<unknown> = Promise.resolve();

  private async transmit(message: Message): Promise<Response<{ message: Message }>> {
    const body: Record<string, unknown> = { To_Account: message.to, MsgRandom: message.random, MsgBody: message.elements };
    if (message.cloudCustomData) body['CloudCustomData'] = message.cloudCustomData;
    try {
      const res = await this.conn.request<{ MsgSeq: number; MsgTime: number; MsgKey: string }>('chat.send', body);
      Object.assign(message, { status: 'success', sequence: res.MsgSeq, time: res.MsgTime, msgKey: res.MsgKey });
      this.dedup.firstMessage(message.conversationID, message.sequence);
      this.dedup.advance(message.conversationID, message.sequence);
      this.remember(message);
      this.touchConversation(message, false);
      return { code: 0, data: { message } };
    } catch (err) {
      message.status = 'fail';
      throw err;
    }
  }

  /**
   * History, newest page first: `messageList` is oldest-first within the page; pass the answer's
   * `nextReqMessageID` to get the page before it.
   */
  async getMessageList(o: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<Response<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    this.requireMe();
    const peer = peerOf(o.conversationID);
    let beforeSeq = MAX_SEQ;
    if (o.nextReqMessageID) {
      const m = this.byID.get(o.nextReqMessageID);
      if (!m) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, `unknown nextReqMessageID ${o.nextReqMessageID}`);
      beforeSeq = m.sequence;
    }
    const res = await this.conn.request<{ messages: WireMessage[]; complete: boolean }>('chat.sync', { peer, beforeSeq, limit: Math.min(Math.max(o.count ?? 15, 1), 100) });
    const list = res.messages.map((w) => fromWire(this.me, w)).reverse();
    for (const m of list) {
      this.dedup.firstMessage(m.conversationID, m.sequence);
      this.remember(m);
    }
    return { code: 0, data: { messageList: list, nextReqMessageID: list[0]?.ID ?? '', isCompleted: res.complete || list.length === 0 } };
  }

  /** Recalls an own message (within the app's recall window). */
  async revokeMessage(message: Message): Promise<Response<{ message: Message }>> {
    this.requireMe();
    if (!message.msgKey) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message was not sent');
    await this.conn.request('chat.recall', { peer: peerOf(message.conversationID), MsgKey: message.msgKey });
    this.markRevoked(message.conversationID, message.sequence, message);
    return { code: 0, data: { message } };
  }

  /** Marks everything in the conversation read (the peer gets a read receipt). */
  async setMessageRead(o: { conversationID: string }): Promise<Response<{ unreadCount: number }>> {
    this.requireMe();
    const res = await this.conn.request<{ UnreadMsgNum: number }>('chat.read', { peer: peerOf(o.conversationID) });
    const c = this.conversations.get(o.conversationID);
    if (c && c.unreadCount !== 0) {
      c.unreadCount = 0;
      this.emitConversations();
    }
    return { code: 0, data: { unreadCount: res.UnreadMsgNum ?? 0 } };
  }

  // ---- conversations ------------------------------------------------------------------------

  /** The conversation list: pinned first, then by last message time. */
  async getConversationList(): Promise<Response<{ conversationList: Conversation[] }>> {
    this.requireMe();
    return { code: 0, data: { conversationList: this.sortedConversations() } };
  }

  async getConversationProfile(conversationID: string): Promise<Response<{ conversation: Conversation | null }>> {
    return { code: 0, data: { conversation: this.conversations.get(conversationID) ?? null } };
  }

  /** Deletes the conversation from the list (history stays unless `clearHistory`). */
  async deleteConversation(conversationID: string, opts: { clearHistory?: boolean } = {}): Promise<Response<{ conversationID: string }>> {
    this.requireMe();
    await this.conn.request('chat.conversation_delete', { peer: peerOf(conversationID), type: 1, clearHistory: !!opts.clearHistory });
    this.conversations.delete(conversationID);
    this.emitConversations();
    return { code: 0, data: { conversationID } };
  }

  /** Pins or unpins (at most 50 pinned: 51012). */
  async pinConversation(o: { conversationID: string; isPinned: boolean }): Promise<Response<{ conversationID: string }>> {
    this.requireMe();
    await this.conn.request('chat.conversation_pin', { peer: peerOf(o.conversationID), type: 1, pinned: o.isPinned });
    const c = this.conversations.get(o.conversationID);
    if (c) {
      c.isPinned = o.isPinned;
      this.emitConversations();
    }
    return { code: 0, data: { conversationID: o.conversationID } };
  }

  // ---- profiles -----------------------------------------------------------------------------

  /** Profiles with the standard fields (`nick`, `avatar`, `gender`, …) and the raw `items`. */
  async getUserProfile(o: { userIDList: string[] }): Promise<Response<Record<string, unknown>[]>> {
    this.requireMe();
    const res = await this.conn.request<{ UserProfileItem?: { To_Account: string; ProfileItem?: { Tag: string; Value: unknown }[] }[] }>('profile.get', {
      userIds: o.userIDList,
      tags: Object.values(PROFILE_TAGS),
    });
    const byTag = Object.fromEntries(Object.entries(PROFILE_TAGS).map(([k, v]) => [v, k]));
    return {
      code: 0,
      data: (res.UserProfileItem ?? []).map((u) => {
        const out: Record<string, unknown> = { userID: u.To_Account };
        for (const item of u.ProfileItem ?? []) out[byTag[item.Tag] ?? item.Tag] = item.Value;
        return out;
      }),
    };
  }

  /** Updates own profile fields (`nick`, `avatar`, …, or any `Tag_Profile_*` key). */
  async updateMyProfile(fields: Record<string, unknown>): Promise<Response<Record<string, unknown>>> {
    this.requireMe();
    const items = Object.entries(fields).map(([k, v]) => ({ Tag: PROFILE_TAGS[k] ?? k, Value: v }));
    if (!items.length) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'nothing to update');
    await this.conn.request('profile.set', { items });
    return { code: 0, data: fields };
  }

  // ---- friends and blacklist ----------------------------------------------------------------

  /** Adds a friend (`type` `Add_Type_Both` by default); 30539 in a result means a request waits. */
  async addFriend(o: { to: string; source?: string; wording?: string; remark?: string; groupName?: string; type?: string }): Promise<Response<{ userID: string; code: number; info: string }>> {
    this.requireMe();
    const res = await this.conn.request<{ results: { userId: string; code: number; info: string }[] }>('friend.add', {
      items: [{ userId: o.to, remark: o.remark, groupNames: o.groupName ? [o.groupName] : undefined, addSource: o.source ?? 'AddSource_Type_Web', addWording: o.wording }],
      addType: o.type,
    });
    const r = res.results[0];
    return { code: 0, data: { userID: o.to, code: r?.code ?? 0, info: r?.info ?? '' } };
  }

  async getFriendList(): Promise<Response<Record<string, unknown>[]>> {
    this.requireMe();
    const friends: Record<string, unknown>[] = [];
    let startIndex = 0;
    for (;;) {
      const res = await this.conn.request<{ friends: Record<string, unknown>[]; nextStartIndex: number; complete: boolean }>('friend.list', { startIndex });
      friends.push(...res.friends.map((f) => ({ ...f, userID: f['userId'], remark: f['Tag_SNS_IM_Remark'] ?? '' })));
      if (res.complete || !res.friends.length) break;
      startIndex = res.nextStartIndex;
    }
    return { code: 0, data: friends };
  }

  async deleteFriend(o: { userIDList: string[]; type?: 'Delete_Type_Both' | 'Delete_Type_Single' }): Promise<Response<{ results: unknown[] }>> {
    this.requireMe();
    const res = await this.conn.request<{ results: unknown[] }>('friend.delete', { userIds: o.userIDList, deleteType: o.type ?? 'Delete_Type_Both' });
    return { code: 0, data: { results: res.results } };
  }

  async getFriendApplicationList(): Promise<Response<{ incoming: unknown[]; outgoing: unknown[] }>> {
    this.requireMe();
    const res = await this.conn.request<{ incoming: unknown[]; outgoing: unknown[] }>('friend.requests', {});
    return { code: 0, data: { incoming: res.incoming, outgoing: res.outgoing } };
  }

  /** Accepts a request: `AgreeAndAdd` (default) makes both friends, `Agree` only the requester's side. */
  async acceptFriendApplication(o: { userID: string; remark?: string; type?: 'Agree' | 'AgreeAndAdd' }): Promise<Response<Record<string, never>>> {
    this.requireMe();
    await this.conn.request('friend.respond', { userId: o.userID, action: `Response_Action_${o.type ?? 'AgreeAndAdd'}`, remark: o.remark });
    return { code: 0, data: {} };
  }

  async refuseFriendApplication(o: { userID: string }): Promise<Response<Record<string, never>>> {
    this.requireMe();
    await this.conn.request('friend.respond', { userId: o.userID, action: 'Response_Action_Reject' });
    return { code: 0, data: {} };
  }

  async addToBlacklist(o: { userIDList: string[] }): Promise<Response<{ results: unknown[] }>> {
    this.requireMe();
    const res = await this.conn.request<{ results: unknown[] }>('blacklist.add', { userIds: o.userIDList });
    return { code: 0, data: { results: res.results } };
  }

  async removeFromBlacklist(o: { userIDList: string[] }): Promise<Response<{ results: unknown[] }>> {
    this.requireMe();
    const res = await this.conn.request<{ results: unknown[] }>('blacklist.delete', { userIds: o.userIDList });
    return { code: 0, data: { results: res.results } };
  }

  /** The whole blacklist: userIDs, oldest first. */
  async getBlacklist(): Promise<Response<string[]>> {
    this.requireMe();
    const ids: string[] = [];
    let startIndex = 0;
    for (;;) {
      const res = await this.conn.request<{ items: { userId: string }[]; nextStartIndex: number }>('blacklist.get', { startIndex, limit: 1000 });
      ids.push(...res.items.map((i) => i.userId));
      if (!res.nextStartIndex || !res.items.length) break;
      startIndex = res.nextStartIndex;
    }
    return { code: 0, data: ids };
  }

  // ---- connection events --------------------------------------------------------------------

  private whenLoaded: Promise<void> = Promise.resolve();

  private onConnected(answer: LoginAnswer, resumed: boolean): void {
    this.emitter.emit(EVENT.NET_STATE_CHANGE, { state: 'connected', region: answer.region });
    this.whenLoaded = (resumed ? this.catchUp() : this.loadConversations(true)).then(
      () => {
        if (!this.ready) {
          this.ready = true;
          this.emitter.emit(EVENT.SDK_READY, { region: answer.region });
        }
      },
      (err: unknown) => this.emitter.emit(EVENT.ERROR, err),
    );
  }

  private onNetState(s: NetState): void {
    if (s !== 'connected') this.emitter.emit(EVENT.NET_STATE_CHANGE, { state: s });
  }

  private onEnded(err: MeridianError, reason: string): void {
    const type = err.code === 70001 || err.code === ErrorCodes.USERSIG_EXPIRED ? 'userSigExpired' : reason === 'kicked' || err.code === ErrorCodes.KICKED_OFFLINE ? 'multipleAccount' : reason;
    this.emitter.emit(EVENT.KICKED_OUT, { type, reason, code: err.code });
    this.reset();
    this.emitter.emit(EVENT.SDK_NOT_READY, {});
  }

  private onPush(p: PushFrame): void {
    if (!this.dedup.firstDelivery(p.did)) return;
    const b = p.body;
    switch (p.kind) {
      case 'c2c':
        return this.deliver([fromWire(this.me, b as unknown as WireMessage)]);
      case 'c2c_modify': {
        const m = fromWire(this.me, b as unknown as WireMessage);
        this.remember(m);
        this.emitter.emit(EVENT.MESSAGE_MODIFIED, [m]);
        return;
      }
      case 'c2c_recall': {
        const peer = b['From_Account'] === this.me ? String(b['To_Account']) : String(b['From_Account']);
        this.markRevoked(c2cConversationID(peer), Number(b['MsgSeq']));
        return;
      }
      case 'c2c_read':
        return this.onRead(b);
      case 'profile_changed':
        this.emitter.emit(EVENT.PROFILE_UPDATED, [{ userID: b['From_Account'], items: b['ProfileItem'] }]);
        return;
      case 'blacklist_added':
      case 'blacklist_deleted':
        this.emitter.emit(EVENT.BLACKLIST_UPDATED, { kind: p.kind, userID: b['To_Account'] });
        return;
      default:
        if (p.kind.startsWith('friend_')) this.emitter.emit(EVENT.FRIEND_LIST_UPDATED, { kind: p.kind, body: b });
    }
  }

  /** Hands messages to the app exactly once, oldest first, and updates the conversation list. */
  private deliver(messages: Message[], fromSync = false): void {
    const fresh: Message[] = [];
    for (const m of messages.sort((a, b) => a.sequence - b.sequence)) {
      const first = this.dedup.firstMessage(m.conversationID, m.sequence);
      this.dedup.advance(m.conversationID, m.sequence, fromSync);
      if (!first) continue;
      this.remember(m);
      fresh.push(m);
      this.touchConversation(m, m.flow === 'in', false);
    }
    if (!fresh.length) return;
    this.emitter.emit(EVENT.MESSAGE_RECEIVED, fresh);
    this.emitConversations();
  }

  private onRead(b: Record<string, unknown>): void {
    const reporter = String(b['Report_Account']);
    const seq = Number(b['MsgReadSeq']);
    if (reporter === this.me) {
      // Read on another of this user's devices.
      const c = this.conversations.get(c2cConversationID(String(b['Peer_Account'])));
      if (c && c.unreadCount) {
        c.unreadCount = 0;
        this.emitConversations();
      }
      return;
    }
    const conversationID = c2cConversationID(reporter);
    const ids: string[] = [];
    for (const m of this.store.get(conversationID)?.values() ?? []) {
      if (m.flow === 'out' && m.sequence <= seq && !m.isPeerRead) {
        m.isPeerRead = true;
        ids.push(m.ID);
      }
    }
    const c = this.conversations.get(conversationID);
    if (c) c.peerReadSeq = Math.max(c.peerReadSeq, seq);
    const receipt: PeerReadReceipt = { conversationID, userID: reporter, msgReadSeq: seq, time: Number(b['LastReadTime'] ?? 0), messageIDList: ids };
    this.emitter.emit(EVENT.MESSAGE_READ_BY_PEER, [receipt]);
  }

  private markRevoked(conversationID: string, seq: number, known?: Message): void {
    const m = known ?? this.store.get(conversationID)?.get(seq);
    const revoked: Message = m ?? { ...fromWire(this.me, { MsgSeq: seq, From_Account: '', To_Account: '', MsgRandom: 0, MsgTime: 0, MsgKey: '', MsgBody: [] }), conversationID };
    if (revoked.isRevoked && m) return;
    revoked.isRevoked = true;
    revoked.elements = [];
    revoked.payload = {};
    const c = this.conversations.get(conversationID);
    if (c?.lastMessage && c.lastMessage.sequence === seq) c.lastMessage = revoked;
    this.emitter.emit(EVENT.MESSAGE_REVOKED, [revoked]);
    if (c) this.emitConversations();
  }

  /** After a reconnect: what the conversation list says is new, then each conversation from its cursor. */
  private async catchUp(): Promise<void> {
    await this.loadConversations(false);
    const cursors = this.dedup.syncCursors();
    for (const c of this.conversations.values()) {
      const from = cursors.get(c.conversationID) ?? 0;
      if (c.lastSeq <= from) continue;
      let after = from;
      for (let page = 0; page < 50; page++) {
        const res = await this.conn.request<{ messages: WireMessage[]; complete: boolean }>('chat.sync', { peer: c.userID, afterSeq: after, limit: 100 });
        this.deliver(res.messages.map((w) => fromWire(this.me, w)), true);
        if (res.complete || !res.messages.length) break;
        after = res.messages[res.messages.length - 1]!.MsgSeq;
      }
    }
    this.emitConversations();
  }

  /** Loads the whole conversation list; `baseline`: its last seqs are where catch-up syncs start. */
  private async loadConversations(baseline: boolean): Promise<void> {
    const cursors: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (let page = 0; page < 100; page++) {
      const res = await this.conn.request<{ conversations: WireConversation[]; complete: boolean } & Record<string, unknown>>('chat.conversations', { ...cursors, limit: 100 });
      for (const w of res.conversations) {
        if (w.type !== 1) continue;
        const id = c2cConversationID(w.peer);
        seen.add(id);
        if (baseline) this.dedup.baseline(id, w.lastSeq);
        const prev = this.conversations.get(id);
        const last = w.lastMessage ? fromWire(this.me, w.lastMessage) : null;
        this.conversations.set(id, {
          conversationID: id,
          type: 'C2C',
          userID: w.peer,
          unreadCount: w.unread,
          isPinned: w.pinned,
          lastTime: w.msgTime,
          lastSeq: w.lastSeq,
          peerReadSeq: w.peerReadSeq,
          lastMessage: prev?.lastMessage && last && prev.lastMessage.sequence > last.sequence ? prev.lastMessage : last,
        });
      }
      if (res.complete || !res.conversations.length) break;
      for (const k of ['TimeStamp', 'StartIndex', 'TopTimeStamp', 'TopStartIndex']) cursors[k] = res[k];
    }
    if (baseline) for (const id of [...this.conversations.keys()]) if (!seen.has(id)) this.conversations.delete(id);
    this.emitConversations();
  }

  private touchConversation(m: Message, unread: boolean, emit = true): void {
    let c = this.conversations.get(m.conversationID);
    if (!c) {
      const userID = peerOf(m.conversationID);
      c = { conversationID: m.conversationID, type: 'C2C', userID, unreadCount: 0, isPinned: false, lastTime: 0, lastSeq: 0, peerReadSeq: 0, lastMessage: null };
      this.conversations.set(m.conversationID, c);
    }
    if (m.sequence >= c.lastSeq) {
      c.lastSeq = m.sequence;
      c.lastTime = m.time;
      c.lastMessage = m;
    }
    if (unread) c.unreadCount++;
    if (emit) this.emitConversations();
  }

  private remember(m: Message): void {
    let conv = this.store.get(m.conversationID);
    if (!conv) this.store.set(m.conversationID, (conv = new Map()));
    const prev = conv.get(m.sequence);
    if (prev && prev !== m) Object.assign(prev, { ...m, isPeerRead: prev.isPeerRead || m.isPeerRead });
    else conv.set(m.sequence, m);
    this.byID.set(m.ID, prev ?? m);
  }

  private sortedConversations(): Conversation[] {
    return [...this.conversations.values()].sort((a, b) => Number(b.isPinned) - Number(a.isPinned) || b.lastTime - a.lastTime || b.lastSeq - a.lastSeq);
  }

  private emitConversations(): void {
    this.emitter.emit(EVENT.CONVERSATION_LIST_UPDATED, this.sortedConversations());
  }

  private requireMe(): string {
    if (!this.me) throw new MeridianError(ErrorCodes.NOT_LOGGED_IN, 'not logged in');
    return this.me;
  }

  private reset(): void {
    this.me = '';
    this.ready = false;
    this.conversations.clear();
    this.store.clear();
    this.byID.clear();
    this.dedup = new Deduplicator();
  }
}
