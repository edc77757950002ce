import { type BackoffOptions } from './backoff.js';
import { Connection, findWebSocket, type FetchLike, type GatewayInfo, type LoginAnswer, type NetState, type PushFrame, type WebSocketConstructor } from './connection.js';
import { Deduplicator } from './dedup.js';
import { ErrorCodes, MeridianError } from './errors.js';
import { EVENT, Emitter, type Handler } from './events.js';
import { type Group, type GroupMember, groupFromWire, groupProfileToWire, historyAfter, memberFromWire, type HistoryPage } from './groups.js';
import {
  type CreateMessageOptions,
  type Message,
  type WireGroupMessage,
  type WireMessage,
  TYPES,
  c2cConversationID,
  draft,
  elements,
  fromGroupWire,
  fromWire,
  groupConversationID,
  groupSystemNotice,
  parseConversationID,
  payloadOf,
  peerOf,
} from './messages.js';
import { NO_FILE, uploadMedia, type MediaKind, type PendingUpload, type UploadSource } from './uploads.js';

/** A media payload by file (uploaded at send time) instead of by URL. */
export interface FilePayload {
  /** A File/Blob (browsers), a Buffer/Uint8Array or a readable stream (Node). */
  file: UploadSource;
  /** The name the receiver sees (a File's own name by default). */
  fileName?: string;
  /** Default: the Blob's type, else from the name's extension. */
  contentType?: string;
}
/** createImageMessage & co. with a file: Tencent's `onProgress` (0…1 as the bytes reach the store). */
export type MediaMessageOptions<P> = CreateMessageOptions<P> & { onProgress?: (percent: number) => void };

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
  /** WebSocket implementation: the global one, else the `ws` package when installed (Node 20). */
  WebSocket?: WebSocketConstructor;
  /** fetch implementation (default: the global one). */
  fetch?: FetchLike;
  backoff?: BackoffOptions;
  requestTimeoutMs?: number;
  /** How long a call (a send, too) may wait across reconnects before it fails with 2801 (default 60 s). */
  queueTimeoutMs?: number;
  /**
   * In a browser, follow the window's `offline` / `online` events (default true): offline at once,
   * and a reconnect the moment the network is back instead of at the next backoff step.
   */
  watchBrowserNetwork?: boolean;
  /** How long a sent image or video waits for its variants (thumbnail, first frame) before it is sent with the original standing in (default 3 s). */
  mediaVariantsWaitMs?: number;
}

/** Every call answers `{code: 0, data}` as Tencent's Chat SDK does, or rejects with a {@link MeridianError}. */
export interface Response<T> {
  code: 0;
  data: T;
}

/** A conversation as the app sees it. */
export interface Conversation {
  /** `C2C<userID>` or `GROUP<groupID>`. */
  conversationID: string;
  type: 'C2C' | 'GROUP';
  /** The peer's userID ('' for a group conversation). */
  userID: string;
  /** The group of a `GROUP` conversation (as {@link Meridian.getGroupList} has it). */
  groupProfile?: Group;
  unreadCount: number;
  isPinned: boolean;
  /** Seconds: the last message's time. */
  lastTime: number;
  lastSeq: number;
  /** Own messages up to this seq were read by the peer. */
  peerReadSeq: number;
  lastMessage: Message | null;
  /** Set by {@link Meridian.setConversationDraft}; kept by this instance only. */
  draftText: string;
}

/** One user of {@link Meridian.getUserStatus}: `statusType` as `TYPES.USER_STATUS_*`. */
export interface UserStatus {
  userID: string;
  statusType: number;
  customStatus: string;
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
/** Conversations synced at once after a reconnect. */
const CATCH_UP_CONCURRENCY = 8;
const GROUP_FIELDS = ['Type', 'Name', 'FaceUrl', 'Introduction', 'Notification', 'Owner_Account', 'CreateTime', 'LastInfoTime', 'LastMsgTime', 'NextMsgSeq', 'MemberNum', 'MaxMemberNum', 'ApplyJoinOption', 'MuteAllMember'];
const SELF_FIELDS = ['Role', 'JoinTime', 'MsgFlag', 'UnreadMsgNum', 'NameCard'];
type Json = Record<string, unknown>;

/** Tencent's `sendMessage(message, options)` options that this SDK honours. */
export interface SendOptions {
  /** Deliver to the recipient's connected sessions only; nothing is stored (Tencent's `onlineUserOnly`). */
  onlineUserOnly?: boolean;
}

/**
 * A Meridian chat client for one SDKAppID and one user at a time (browsers and Node). Modelled on
 * Tencent's Chat SDK; the connection (addressing, RTT ranking, heartbeats, reconnects, resume,
 * de-duplication, send queue) is handled inside. Groups: Work (`Private`), Public, Meeting
 * (`ChatRoom`) and AVChatRoom, with group messages through the same createXxxMessage/sendMessage.
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
  private readonly groups = new Map<string, Group>();
  /** AVChatRooms this app joined: joined again on every new connection (the server ties them to one). */
  private readonly liveRooms = new Set<string>();
  /**
   * Groups whose messages came as AVChatRoom deliveries (`did` "live:…", docs/protocol.md): live
   * before the group's Type is known (a room's first messages can beat joinGroup's group fetch).
   */
  private readonly liveDelivered = new Set<string>();
  private me = '';
  private ready = false;
  private logLevel = 0;
  /** Server time minus local time (ms), from the login answer. */
  private clockSkewMs = 0;
  private unwatchNetwork?: () => void;
  /** Media messages whose file is uploaded when they are sent. */
  private readonly pendingUploads = new WeakMap<Message, PendingUpload>();

  /** Creates an instance; nothing connects until {@link Meridian.login}. */
  static create(options: CreateOptions): Meridian {
    return new Meridian(options);
  }

  private constructor(private readonly options: CreateOptions) {
    if (!Number.isInteger(options.SDKAppID) || options.SDKAppID <= 0) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'SDKAppID is required');
    const accessUrls = options.accessUrls ?? (options.accessUrl ? [options.accessUrl] : []);
    if (!accessUrls.length && !options.gateways?.length) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'accessUrl(s) or gateways is required');
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
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
      if (!this.options.WebSocket && !(globalThis as { WebSocket?: unknown }).WebSocket) {
        const found = await findWebSocket();
        if (!found) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'no WebSocket: install the `ws` package (npm i ws) or pass one as options.WebSocket');
        this.conn.useWebSocket(found);
      }
      this.watchNetwork();
      const answer = await this.conn.start({ sdkAppId: this.options.SDKAppID, userId: opts.userID, userSig: opts.userSig, platform: this.options.platform ?? 'Web' });
      await this.whenLoaded;
      return { code: 0, data: { region: answer.region, homeRegion: answer.homeRegion, loginId: answer.loginId } };
    } catch (err) {
      this.me = '';
      this.unwatchNetwork?.();
      throw err;
    }
  }

  /**
   * Tells the SDK the device's network went away or came back. Browsers need not call it (their
   * `offline` / `online` events are followed unless `watchBrowserNetwork` is false); Node and
   * mobile wrappers can.
   */
  setNetworkAvailable(online: boolean): void {
    this.conn.setNetworkAvailable(online);
  }

  private watchNetwork(): void {
    const w = globalThis as { addEventListener?: (t: string, h: () => void) => void; removeEventListener?: (t: string, h: () => void) => void; navigator?: { onLine?: boolean } };
    if (this.options.watchBrowserNetwork === false || typeof w.addEventListener !== 'function' || typeof w.removeEventListener !== 'function') return;
    this.unwatchNetwork?.();
    const offline = () => this.conn.setNetworkAvailable(false);
    const online = () => this.conn.setNetworkAvailable(true);
    w.addEventListener('offline', offline);
    w.addEventListener('online', online);
    this.unwatchNetwork = () => {
      w.removeEventListener?.('offline', offline);
      w.removeEventListener?.('online', online);
      this.unwatchNetwork = undefined;
    };
  }

  /**
   * Tencent's `registerPlugin({ 'tim-upload-plugin': TIMUploadPlugin, … })`: kept by name so that
   * Tencent's sample code runs unchanged. No plugin changes what this SDK does yet (files are
   * sent by URL); registering one is safe and `getPlugin` hands it back.
   */
  registerPlugin(plugins: Record<string, unknown>): void {
    if (!plugins || typeof plugins !== 'object' || Array.isArray(plugins)) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'registerPlugin takes an object of { name: plugin }');
    for (const [name, plugin] of Object.entries(plugins)) this.plugins.set(name, plugin);
  }

  /** A plugin registered under `name`, if any. */
  getPlugin(name: string): unknown {
    return this.plugins.get(name);
  }

  private readonly plugins = new Map<string, unknown>();

  /**
   * Tencent's log levels (0 everything … 4 nothing). The SDK writes no logs of its own (never
   * message bodies or UserSigs), so the level is only kept; accepted so Tencent's samples run.
   */
  setLogLevel(level: number): void {
    if (Number.isInteger(level) && level >= 0 && level <= 5) this.logLevel = level;
  }

  getLogLevel(): number {
    return this.logLevel;
  }

  /** The server's clock in seconds (Tencent's `getServerTime`), from the skew measured at login. */
  getServerTime(): number {
    return Math.floor((Date.now() + this.clockSkewMs) / 1000);
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
  /**
   * An image: `payload.file` is uploaded when the message is sent (its element then carries the
   * original, 720 px and 198 px pictures); `payload.url` sends a picture hosted elsewhere.
   */
  createImageMessage(o: MediaMessageOptions<FilePayload | { url: string; width?: number; height?: number; size?: number; format?: number }>): Message {
    return this.mediaDraft(o, 'image', () => elements.image(o.payload as { url: string }));
  }
  /** Voice: `payload.file` (with `second`) uploaded at send time, or `payload.url`. */
  createSoundMessage(o: MediaMessageOptions<(FilePayload & { second: number }) | { url: string; second: number; size?: number }>): Message {
    return this.mediaDraft(o, 'sound', () => elements.sound(o.payload as { url: string; second: number }));
  }
  /** Tencent's newer name for createSoundMessage. */
  createAudioMessage(o: MediaMessageOptions<(FilePayload & { second: number }) | { url: string; second: number; size?: number }>): Message {
    return this.createSoundMessage(o);
  }
  /** A video (MP4): `payload.file` (with `second`) uploaded at send time, its first frame as thumbnail; or `payload.videoUrl`. */
  createVideoMessage(o: MediaMessageOptions<(FilePayload & { second: number }) | { videoUrl: string; second: number; size?: number; format?: string; thumbUrl?: string }>): Message {
    return this.mediaDraft(o, 'video', () => elements.video(o.payload as { videoUrl: string; second: number }));
  }
  /** A file: `payload.file` uploaded at send time, or `payload.url` with `fileName`. */
  createFileMessage(o: MediaMessageOptions<FilePayload | { url: string; fileName: string; fileSize?: number }>): Message {
    return this.mediaDraft(o, 'file', () => elements.file(o.payload as { url: string; fileName: string }));
  }

  /** Stops a media message's upload; its sendMessage fails with CANCELLED (2026). */
  cancelUploading(message: Message): Response<Record<string, never>> {
    this.pendingUploads.get(message)?.abort.abort();
    return { code: 0, data: {} };
  }

  private mediaDraft(o: MediaMessageOptions<unknown>, kind: MediaKind, byUrl: () => ReturnType<typeof elements.file>): Message {
    const me = this.requireMe();
    const p = (o?.payload ?? {}) as Partial<FilePayload> & { second?: number };
    if (p.file === undefined) {
      if ((p as { url?: unknown; videoUrl?: unknown }).url === undefined && (p as { videoUrl?: unknown }).videoUrl === undefined) {
        throw new MeridianError(NO_FILE[kind], 'payload.file (or a URL) is required');
      }
      return draft(me, o, byUrl());
    }
    const named = (p.file as { name?: unknown }).name;
    const fileName = p.fileName ?? (typeof named === 'string' ? named : undefined);
    const types = { image: TYPES.MSG_IMAGE, file: TYPES.MSG_FILE, sound: TYPES.MSG_SOUND, video: TYPES.MSG_VIDEO } as const;
    // Until the upload, the element holds what is known; sendMessage replaces it with the stored object's.
    const message = draft(me, o, { MsgType: types[kind], MsgContent: { UUID: '', ...(fileName ? { FileName: fileName } : {}) } });
    this.pendingUploads.set(message, { kind, source: p.file, fileName, contentType: p.contentType, second: p.second, onProgress: o.onProgress, abort: new AbortController() });
    return message;
  }

  /** Uploads a media message's file, if it has one waiting; a failure fails the message. */
  private async upload(message: Message): Promise<void> {
    const pending = this.pendingUploads.get(message);
    if (!pending) return;
    if (pending.abort.signal.aborted) pending.abort = new AbortController();
    try {
      const element = await uploadMedia((cmd, body) => this.conn.request(cmd, body), pending, this.options.mediaVariantsWaitMs ?? 3000);
      Object.assign(message, { elements: [element], type: element.MsgType, payload: payloadOf(element) });
      this.pendingUploads.delete(message);
    } catch (err) {
      message.status = 'fail';
      throw err;
    }
  }
  createCustomMessage(o: CreateMessageOptions<{ data: string; description?: string; extension?: string }>): Message {
    return draft(this.requireMe(), o, elements.custom(o.payload));
  }

  /**
   * Sends a message. While reconnecting it waits in a queue; after a reconnect it is sent again
   * with the same MsgRandom, which the server de-duplicates, so it is stored exactly once.
   */
  sendMessage(message: Message, options: SendOptions = {}): Promise<Response<{ message: Message }>> {
    this.requireMe();
    if (!message || !Array.isArray(message.elements)) return Promise.reject(new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message (from createXxxMessage) is required'));
    if (message.status === 'success') return Promise.reject(new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message was sent already'));
    if (options.onlineUserOnly !== undefined && typeof options.onlineUserOnly !== 'boolean') return Promise.reject(new MeridianError(ErrorCodes.INVALID_PARAMETER, 'options.onlineUserOnly is true or false'));
    // A media message's file goes up first (outside the chain: a long upload holds up no other
    // message); then one send at a time, so messages are stored in the order they are handed over.
    const enqueue = () => {
      const run = this.sendChain.then(() => this.transmit(message, options));
      this.sendChain = run.catch(() => undefined);
      return run;
    };
    return this.pendingUploads.has(message) ? this.upload(message).then(enqueue) : enqueue();
  }

  /**
   * Sends a failed message again (Tencent's `resendMessage`): the same message with the same
   * `random`, so if the first attempt was stored after all (its answer lost), the server
   * de-duplicates and the message still exists once.
   */
  resendMessage(message: Message): Promise<Response<{ message: Message }>> {
    this.requireMe();
    if (message?.status !== 'fail') return Promise.reject(new MeridianError(ErrorCodes.INVALID_PARAMETER, `only a failed message can be resent (this one is ${message?.status ?? 'missing'})`));
    message.status = 'unSend';
    return this.sendMessage(message);
  }

  /**
   * Removes messages from this instance's store (Tencent's `deleteMessage`); the server's history
   * keeps them (a server-side delete is not supported yet), so a later history load shows them.
   */
  async deleteMessage(messageList: Message[]): Promise<Response<{ messageList: Message[] }>> {
    this.requireMe();
    if (!Array.isArray(messageList) || !messageList.length) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'messageList is required');
    const touched = new Set<string>();
    for (const m of messageList) {
      this.byID.delete(m.ID);
      if (m.sequence) this.store.get(m.conversationID)?.delete(m.sequence);
      const c = this.conversations.get(m.conversationID);
      if (c?.lastMessage?.ID === m.ID) {
        const rest = [...(this.store.get(m.conversationID)?.values() ?? [])].sort((a, b) => b.sequence - a.sequence);
        c.lastMessage = rest[0] ?? null;
        touched.add(m.conversationID);
      }
    }
    if (touched.size) this.emitConversations();
    return { code: 0, data: { messageList } };
  }

  private sendChain: Promise<unknown> = Promise.resolve();
  /** IDs of this client's sends awaiting their answer: a sync or push carrying one is not news to the app. */
  private readonly sending = new Set<string>();

  private async transmit(message: Message, options: SendOptions): Promise<Response<{ message: Message }>> {
    const group = message.conversationType === TYPES.CONV_GROUP;
    const body: Record<string, unknown> = group
      ? { GroupId: message.to, Random: message.random, MsgBody: message.elements }
      : { To_Account: message.to, MsgRandom: message.random, MsgBody: message.elements };
    // Online only (Tencent's onlineUserOnly): delivered to connected sessions, never stored,
    // no seq, no unread count, no offline push: what typing indicators ("input status") use.
    if (options.onlineUserOnly) body[group ? 'OnlineOnlyFlag' : 'MsgLifeTime'] = group ? 1 : 0;
    if (message.cloudCustomData) body['CloudCustomData'] = message.cloudCustomData;
    this.sending.add(message.ID);
    try {
      const res = await this.conn.request<{ MsgSeq: number; MsgTime: number; MsgKey?: string; MsgDropReason?: string }>(group ? 'group.send_group_msg' : 'chat.send', body);
      Object.assign(message, { status: 'success', sequence: res.MsgSeq ?? 0, time: res.MsgTime ?? message.time, msgKey: res.MsgKey ?? '' });
      // Dropped by the group's frequency control (MsgDropReason) or online-only: nothing stored.
      if (!message.sequence) return { code: 0, data: { message } };
      this.dedup.firstMessage(message.conversationID, message.sequence);
      this.dedup.advance(message.conversationID, message.sequence);
      this.remember(message);
      this.touchConversation(message, false);
      return { code: 0, data: { message } };
    } catch (err) {
      message.status = 'fail';
      throw err;
    } finally {
      this.sending.delete(message.ID);
    }
  }

  /**
   * History, newest page first: `messageList` is oldest-first within the page; pass the answer's
   * `nextReqMessageID` to get the page before it.
   */
  async getMessageList(o: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<Response<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    this.requireMe();
    const target = parseConversationID(o.conversationID);
    let beforeSeq = MAX_SEQ;
    if (o.nextReqMessageID) {
      const m = this.byID.get(o.nextReqMessageID);
      if (!m) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, `unknown nextReqMessageID ${o.nextReqMessageID}`);
      beforeSeq = m.sequence;
    }
    if (target.type === 'GROUP') return this.groupHistory(target.id, beforeSeq, Math.min(Math.max(o.count ?? 15, 1), 100));
    const peer = target.id;
    const res = await this.conn.request<{ messages: WireMessage[]; complete: boolean }>('chat.sync', { peer, beforeSeq, limit: Math.min(Math.max(o.count ?? 15, 1), 100) });
    const list = res.messages.map((w) => fromWire(this.me, w)).reverse();
    for (const m of list) {
      this.dedup.firstMessage(m.conversationID, m.sequence);
      this.remember(m);
    }
    return { code: 0, data: { messageList: list, nextReqMessageID: list[0]?.ID ?? '', isCompleted: res.complete || list.length === 0 } };
  }

  /**
   * Recalls an own message (within the app's recall window); in a group the owner and admins may
   * recall anyone's (`group_msg_recall`).
   */
  async revokeMessage(message: Message): Promise<Response<{ message: Message }>> {
    this.requireMe();
    if (message.conversationType === TYPES.CONV_GROUP) {
      if (!message.sequence) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message was not stored');
      const res = await this.group<{ RecallRetList?: { MsgSeq: number; RetCode: number }[] }>('group_msg_recall', { GroupId: message.to, MsgSeqList: [{ MsgSeq: message.sequence }] });
      const code = res.RecallRetList?.find((r) => r.MsgSeq === message.sequence)?.RetCode ?? 0;
      if (code) throw new MeridianError(code, `recall refused (${code})`, res);
      this.markRevoked(message.conversationID, message.sequence, message);
      return { code: 0, data: { message } };
    }
    if (!message.msgKey) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message was not sent');
    await this.conn.request('chat.recall', { peer: peerOf(message.conversationID), MsgKey: message.msgKey });
    this.markRevoked(message.conversationID, message.sequence, message);
    return { code: 0, data: { message } };
  }

  /** Marks everything in the conversation read (the peer gets a read receipt). */
  async setMessageRead(o: { conversationID: string }): Promise<Response<{ unreadCount: number }>> {
    this.requireMe();
    const target = parseConversationID(o.conversationID);
    const live = target.type === 'GROUP' && (this.groups.get(target.id)?.type === TYPES.GRP_AVCHATROOM || this.liveRooms.has(target.id));
    const res = live
      ? { UnreadMsgNum: 0 }
      : await this.conn.request<{ UnreadMsgNum: number }>(target.type === 'GROUP' ? 'group.set_read' : 'chat.read', target.type === 'GROUP' ? { GroupId: target.id } : { peer: target.id });
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

  /** The unread messages of all conversations (Tencent's synchronous `getTotalUnreadMessageCount`). */
  getTotalUnreadMessageCount(): number {
    let n = 0;
    for (const c of this.conversations.values()) n += c.unreadCount;
    return n;
  }

  /** A draft for a conversation (empty text clears it); kept by this instance, not the server. */
  async setConversationDraft(o: { conversationID: string; draftText: string }): Promise<Response<{ conversation: Conversation | null }>> {
    this.requireMe();
    const c = this.conversations.get(o?.conversationID);
    if (!c) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, `no conversation ${String(o?.conversationID)}`);
    c.draftText = typeof o.draftText === 'string' ? o.draftText : '';
    this.emitConversations();
    return { code: 0, data: { conversation: c } };
  }

  async getConversationProfile(conversationID: string): Promise<Response<{ conversation: Conversation | null }>> {
    return { code: 0, data: { conversation: this.conversations.get(conversationID) ?? null } };
  }

  /**
   * Deletes the conversation from the list (history stays unless `clearHistory`). A group
   * conversation is removed from this instance's list only (the server keeps no group
   * conversations yet).
   */
  async deleteConversation(conversationID: string, opts: { clearHistory?: boolean } = {}): Promise<Response<{ conversationID: string }>> {
    this.requireMe();
    if (parseConversationID(conversationID).type === 'C2C') await this.conn.request('chat.conversation_delete', { peer: peerOf(conversationID), type: 1, clearHistory: !!opts.clearHistory });
    this.conversations.delete(conversationID);
    this.emitConversations();
    return { code: 0, data: { conversationID } };
  }

  /** Pins or unpins (at most 50 pinned: 51012); a group conversation on this instance only. */
  async pinConversation(o: { conversationID: string; isPinned: boolean }): Promise<Response<{ conversationID: string }>> {
    this.requireMe();
    if (parseConversationID(o.conversationID).type === 'C2C') await this.conn.request('chat.conversation_pin', { peer: peerOf(o.conversationID), type: 1, pinned: o.isPinned });
    const c = this.conversations.get(o.conversationID);
    if (c) {
      c.isPinned = o.isPinned;
      this.emitConversations();
    }
    return { code: 0, data: { conversationID: o.conversationID } };
  }

  // ---- groups -------------------------------------------------------------------------------

  /**
   * Creates a group (`type`: `TYPES.GRP_WORK` `Private`, `GRP_PUBLIC`, `GRP_MEETING` `ChatRoom`,
   * `GRP_AVCHATROOM`); the caller is the owner. An AVChatRoom is joined at once (its owner must be
   * in the audience to receive and speak). Custom `groupID`s: printable ASCII, ≤ 48 bytes, not
   * `@TGS#…` (10015; taken: 10021).
   */
  async createGroup(o: {
    type: string;
    name: string;
    groupID?: string;
    memberList?: { userID: string; role?: 'Admin' | 'Member' }[];
    introduction?: string;
    notification?: string;
    avatar?: string;
    joinOption?: string;
    maxMemberCount?: number;
  }): Promise<Response<{ group: Group }>> {
    this.requireMe();
    if (!o?.type || !o?.name) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'type and name are required');
    const body: Json = { Type: o.type, ...groupProfileToWire({ name: o.name, introduction: o.introduction, notification: o.notification, avatar: o.avatar, joinOption: o.joinOption }) };
    if (o.maxMemberCount !== undefined) body['MaxMemberCount'] = o.maxMemberCount;
    if (o.groupID !== undefined) body['GroupId'] = o.groupID;
    if (o.memberList?.length) body['MemberList'] = o.memberList.map((m) => ({ Member_Account: m.userID, ...(m.role ? { Role: m.role } : {}) }));
    const res = await this.group<{ GroupId: string }>('create_group', body);
    if (o.type === TYPES.GRP_AVCHATROOM) await this.joinLive(res.GroupId);
    const group = await this.fetchGroup(res.GroupId);
    return { code: 0, data: { group } };
  }

  /**
   * Joins (free-access groups, Meeting, AVChatRoom) or applies to join (Public with
   * `NeedPermission`): `status` is `TYPES.JOIN_STATUS_SUCCESS` (`Joined`) or
   * `JOIN_STATUS_WAIT_APPROVAL` (`WaitAdminApproval`). Work groups take no applications (10007).
   * AVChatRooms joined here are joined again after every reconnect.
   */
  async joinGroup(o: { groupID: string; applyMessage?: string }): Promise<Response<{ status: string; group?: Group }>> {
    this.requireMe();
    if (!o?.groupID) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'groupID is required');
    const res = await this.group<{ JoinStatus?: string }>('apply_join_group', { GroupId: o.groupID, ...(o.applyMessage ? { ApplyMsg: o.applyMessage } : {}) });
    const status = res.JoinStatus ?? TYPES.JOIN_STATUS_SUCCESS;
    if (status !== TYPES.JOIN_STATUS_SUCCESS) return { code: 0, data: { status } };
    // The group's Tencent `Type` says whether the join was an AVChatRoom's (joined again on
    // every reconnect): the answer carries only Tencent's JoinStatus.
    const group = await this.fetchGroup(o.groupID);
    if (group.type === TYPES.GRP_AVCHATROOM) this.liveRooms.add(o.groupID);
    return { code: 0, data: { status, group } };
  }

  /** Leaves a group (a Public or Meeting owner cannot: 10009). */
  async quitGroup(groupID: string): Promise<Response<{ groupID: string }>> {
    this.requireMe();
    await this.group('quit_group', { GroupId: groupID });
    this.forgetGroup(groupID);
    return { code: 0, data: { groupID } };
  }

  /** Disbands a group (its owner; a Work group only the app admin: 10007). */
  async dismissGroup(groupID: string): Promise<Response<{ groupID: string }>> {
    this.requireMe();
    await this.group('destroy_group', { GroupId: groupID });
    this.forgetGroup(groupID);
    return { code: 0, data: { groupID } };
  }

  /** The groups this user is in (loaded at login, kept current by pushes), and joined AVChatRooms. */
  async getGroupList(): Promise<Response<{ groupList: Group[] }>> {
    this.requireMe();
    return { code: 0, data: { groupList: [...this.groups.values()] } };
  }

  /** A group's profile, fresh from the server. */
  async getGroupProfile(o: { groupID: string }): Promise<Response<{ group: Group }>> {
    this.requireMe();
    return { code: 0, data: { group: await this.fetchGroup(o.groupID) } };
  }

  /** Changes name, introduction, notification, avatar (per type's rules), and, owner/admin, joinOption, muteAllMembers. */
  async updateGroupProfile(o: { groupID: string; name?: string; introduction?: string; notification?: string; avatar?: string; joinOption?: string; muteAllMembers?: boolean; maxMemberCount?: number }): Promise<Response<{ group: Group }>> {
    this.requireMe();
    await this.group('modify_group_base_info', { GroupId: o.groupID, ...groupProfileToWire(o) });
    return { code: 0, data: { group: await this.fetchGroup(o.groupID) } };
  }

  /** A page of members (`count` ≤ 6000, default 100); `offset` of the answer is the next page's (0: done). Not for AVChatRooms. */
  async getGroupMemberList(o: { groupID: string; count?: number; offset?: number; role?: string }): Promise<Response<{ memberList: GroupMember[]; offset: number; memberCount: number }>> {
    this.requireMe();
    const limit = Math.min(Math.max(o.count ?? 100, 1), 6000);
    const offset = o.offset ?? 0;
    const res = await this.group<{ MemberNum: number; MemberList: Json[] }>('get_group_member_info', { GroupId: o.groupID, Limit: limit, Offset: offset, ...(o.role ? { MemberRoleFilter: [o.role] } : {}) });
    const next = offset + res.MemberList.length;
    return { code: 0, data: { memberList: res.MemberList.map(memberFromWire), offset: next < res.MemberNum ? next : 0, memberCount: res.MemberNum } };
  }

  /** Invites (Work: any member; other types: owner/admin through the REST API only, 10007). */
  async addGroupMember(o: { groupID: string; userIDList: string[] }): Promise<Response<{ successUserIDList: string[]; failureUserIDList: string[]; existedUserIDList: string[]; group: Group }>> {
    this.requireMe();
    const res = await this.group<{ MemberList: { Member_Account: string; Result: number }[] }>('add_group_member', { GroupId: o.groupID, MemberList: o.userIDList.map((u) => ({ Member_Account: u })) });
    const by = (r: number) => res.MemberList.filter((m) => m.Result === r).map((m) => m.Member_Account);
    return { code: 0, data: { successUserIDList: by(1), failureUserIDList: by(0), existedUserIDList: by(2), group: await this.fetchGroup(o.groupID) } };
  }

  /** Removes members (owner; admins remove plain members in Public and Meeting groups). */
  async deleteGroupMember(o: { groupID: string; userIDList: string[]; reason?: string }): Promise<Response<{ groupID: string; userIDList: string[] }>> {
    this.requireMe();
    await this.group('delete_group_member', { GroupId: o.groupID, MemberToDel_Account: o.userIDList, ...(o.reason ? { Reason: o.reason } : {}) });
    return { code: 0, data: { groupID: o.groupID, userIDList: o.userIDList } };
  }

  /** Makes a member an admin or a plain member again (owner; Public and Meeting groups). */
  async setGroupMemberRole(o: { groupID: string; userID: string; role: 'Admin' | 'Member' }): Promise<Response<{ groupID: string; userID: string; role: string }>> {
    this.requireMe();
    await this.group('modify_group_member_info', { GroupId: o.groupID, Member_Account: o.userID, Role: o.role });
    return { code: 0, data: { groupID: o.groupID, userID: o.userID, role: o.role } };
  }

  /** Mutes a member for `muteTime` seconds (0 unmutes). */
  async setGroupMemberMuteTime(o: { groupID: string; userID: string; muteTime: number }): Promise<Response<{ groupID: string; userID: string; muteTime: number }>> {
    this.requireMe();
    await this.group('forbid_send_msg', { GroupId: o.groupID, Members_Account: [o.userID], MuteTime: o.muteTime });
    return { code: 0, data: o };
  }

  /**
   * Answers a join application (owner/admin): pass the `TIMGroupSystemNoticeElem` message of the
   * request as `message` (as Tencent's SDK), or `groupID` and `userID`.
   */
  async handleGroupApplication(o: { handleAction: 'Agree' | 'Reject'; message?: Message; groupID?: string; userID?: string }): Promise<Response<{ groupID: string; userID: string }>> {
    this.requireMe();
    const groupID = o.groupID ?? (o.message?.payload['groupProfile'] as { groupID?: string } | undefined)?.groupID;
    const userID = o.userID ?? (o.message?.payload['operatorID'] as string | undefined);
    if (!groupID || !userID) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'message (a join request notice), or groupID and userID, is required');
    await this.group('handle_join_application', { GroupId: groupID, Applicant_Account: userID, Decision: o.handleAction === 'Agree' ? 'Agree' : 'Reject' });
    return { code: 0, data: { groupID, userID } };
  }

  /** Pending join applications of a group (owner/admin). */
  async getGroupApplicationList(o: { groupID: string }): Promise<Response<{ applicationList: { groupID: string; applicant: string; applyMessage: string; applyTime: number }[] }>> {
    this.requireMe();
    const res = await this.group<{ Applications: { Applicant_Account: string; ApplyMsg: string; ApplyTime: number }[] }>('get_join_applications', { GroupId: o.groupID });
    return { code: 0, data: { applicationList: res.Applications.map((a) => ({ groupID: o.groupID, applicant: a.Applicant_Account, applyMessage: a.ApplyMsg, applyTime: a.ApplyTime })) } };
  }

  /** How many are in an AVChatRoom's audience now. */
  async getGroupOnlineMemberCount(groupID: string): Promise<Response<{ memberCount: number }>> {
    this.requireMe();
    const res = await this.group<{ OnlineMemberNum: number }>('get_online_member_num', { GroupId: groupID });
    return { code: 0, data: { memberCount: res.OnlineMemberNum } };
  }

  private group<T = Json>(command: string, body: Json): Promise<T> {
    return this.conn.request<T>(`group.${command}`, body);
  }

  private async joinLive(groupID: string): Promise<void> {
    await this.group('apply_join_group', { GroupId: groupID });
    this.liveRooms.add(groupID);
  }

  /** get_group_info (+ own role) → the cached group, its conversation, GROUP_LIST_UPDATED. */
  private async fetchGroup(groupID: string): Promise<Group> {
    const [info, roles] = await Promise.all([
      this.group<{ GroupInfo: Json[] }>('get_group_info', { GroupIdList: [groupID], ResponseFilter: { GroupBaseInfoFilter: GROUP_FIELDS } }),
      this.group<{ UserIdList: { Role: string }[] }>('get_role_in_group', { GroupId: groupID, User_Account: [this.me] }).catch(() => ({ UserIdList: [] as { Role: string }[] })),
    ]);
    const item = info.GroupInfo[0] ?? {};
    if (Number(item['ErrorCode'] ?? 0) !== 0) throw new MeridianError(Number(item['ErrorCode']), String(item['ErrorInfo'] ?? 'group info refused'), item);
    const role = roles.UserIdList[0]?.Role;
    const group = groupFromWire({ ...item, ...(role ? { SelfInfo: { Role: role } } : {}) }, this.groups.get(groupID));
    this.upsertGroup(group);
    this.emitter.emit(EVENT.GROUP_LIST_UPDATED, [...this.groups.values()]);
    this.emitConversations();
    return group;
  }

  /** Caches a group and makes sure its conversation exists; a new group's sync cursor starts at its last seq. */
  private upsertGroup(group: Group, unreadFromServer = false): void {
    this.groups.set(group.groupID, group);
    const id = groupConversationID(group.groupID);
    const lastSeq = Math.max(0, group.nextMessageSeq - 1);
    if (this.dedup.cursor(id) === undefined && group.type !== TYPES.GRP_AVCHATROOM) this.dedup.baseline(id, lastSeq);
    const c = this.conversations.get(id);
    if (c) {
      c.groupProfile = group;
      if (unreadFromServer) c.unreadCount = group.selfInfo.unreadCount;
      c.lastTime = Math.max(c.lastTime, group.lastMessageTime);
      c.lastSeq = Math.max(c.lastSeq, lastSeq);
      return;
    }
    this.conversations.set(id, {
      conversationID: id,
      type: 'GROUP',
      userID: '',
      groupProfile: group,
      unreadCount: group.selfInfo.unreadCount,
      isPinned: false,
      lastTime: group.lastMessageTime || group.createTime,
      lastSeq,
      peerReadSeq: 0,
      lastMessage: null,
      draftText: '',
    });
  }

  /** Quit, kicked, disbanded: the group leaves the list (its conversation stays, as Tencent's). */
  private forgetGroup(groupID: string): void {
    this.liveRooms.delete(groupID);
    if (!this.groups.delete(groupID)) return;
    this.emitter.emit(EVENT.GROUP_LIST_UPDATED, [...this.groups.values()]);
  }

  /** Group history by `group_msg_get_simple` (≤ 20 a request, paged down by ReqMsgSeq). */
  private async groupHistory(groupID: string, beforeSeq: number, count: number): Promise<Response<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>> {
    const got: WireGroupMessage[] = [];
    let req: number | undefined = beforeSeq >= MAX_SEQ ? undefined : beforeSeq - 1;
    let complete = req !== undefined && req < 1;
    while (!complete && got.length < count) {
      const res = await this.group<HistoryPage>('group_msg_get_simple', { GroupId: groupID, ReqMsgNumber: Math.min(20, count - got.length), WithRecalledMsg: 1, ...(req !== undefined ? { ReqMsgSeq: req } : {}) });
      const list = res.RspMsgList ?? [];
      got.push(...list);
      const oldest = list.reduce((min, m) => Math.min(min, m.MsgSeq), Number.POSITIVE_INFINITY);
      complete = res.IsFinished === 1 || !list.length || oldest <= 1;
      req = oldest - 1;
    }
    const list = got.map((w) => fromGroupWire(this.me, groupID, w)).sort((a, b) => a.sequence - b.sequence);
    for (const m of list) {
      this.dedup.firstMessage(m.conversationID, m.sequence);
      this.remember(m);
    }
    const kept = list.map((m) => this.store.get(m.conversationID)?.get(m.sequence) ?? m);
    return { code: 0, data: { messageList: kept, nextReqMessageID: kept[0]?.ID ?? '', isCompleted: complete } };
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

  /** The signed-in user's profile, as {@link Meridian.getUserProfile} has it. */
  async getMyProfile(): Promise<Response<Record<string, unknown>>> {
    const me = this.requireMe();
    const res = await this.getUserProfile({ userIDList: [me] });
    return { code: 0, data: res.data[0] ?? { userID: me } };
  }

  /**
   * Online status (Tencent's `getUserStatus`): `Online` is `USER_STATUS_ONLINE`; `PushOnline` and
   * `Offline` are `USER_STATUS_OFFLINE`; accounts that never logged in are `USER_STATUS_UNLOGINED`.
   */
  async getUserStatus(o: { userIDList: string[] }): Promise<Response<{ successUserList: UserStatus[]; failureUserList: { userID: string; code: number; message: string }[] }>> {
    this.requireMe();
    if (!Array.isArray(o?.userIDList) || !o.userIDList.length) throw new MeridianError(ErrorCodes.INVALID_PARAMETER, 'userIDList is required');
    const res = await this.conn.request<{ results: { userId: string; state: string }[]; notFound?: string[] }>('account.online_status', { userIds: o.userIDList });
    const successUserList: UserStatus[] = res.results.map((r) => ({ userID: r.userId, statusType: r.state === 'Online' ? TYPES.USER_STATUS_ONLINE : TYPES.USER_STATUS_OFFLINE, customStatus: '' }));
    for (const u of res.notFound ?? []) successUserList.push({ userID: u, statusType: TYPES.USER_STATUS_UNLOGINED, customStatus: '' });
    return { code: 0, data: { successUserList, failureUserList: [] } };
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
    if (Number(answer.serverTime) > 0) this.clockSkewMs = Number(answer.serverTime) - Date.now();
    this.emitter.emit(EVENT.NET_STATE_CHANGE, { state: 'connected', region: answer.region });
    this.whenLoaded = (resumed ? this.catchUp() : this.loadConversations(true).then(() => this.loadGroups(true).catch((err: unknown) => this.emitter.emit(EVENT.ERROR, err)))).then(
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
      case 'group':
      case 'group_tip':
        return this.onGroupMessage(p);
      case 'group_system':
        return this.onGroupSystem(p);
      case 'group_modify': {
        const m = fromGroupWire(this.me, String(b['GroupId']), b as unknown as WireGroupMessage);
        this.remember(m);
        this.emitter.emit(EVENT.MESSAGE_MODIFIED, [m]);
        return;
      }
      case 'group_recall': {
        const id = groupConversationID(String(b['GroupId']));
        for (const seq of (b['MsgSeqList'] as unknown[] | undefined) ?? []) this.markRevoked(id, Number(typeof seq === 'object' && seq ? (seq as Json)['MsgSeq'] : seq));
        return;
      }
      case 'group_read': {
        // Read on another of this user's devices.
        const c = this.conversations.get(groupConversationID(String(b['GroupId'])));
        const unread = c ? Math.max(0, c.lastSeq - Number(b['MsgSeq'] ?? 0)) : 0;
        if (c && c.unreadCount > unread) {
          c.unreadCount = unread;
          this.emitConversations();
        }
        return;
      }
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

  /**
   * Hands messages to the app exactly once, oldest first, and updates the conversation list.
   * Messages without a seq (tips that are not stored) were de-duplicated by their delivery id.
   * Synced messages are already in the server's unread count the list was loaded with.
   */
  private deliver(messages: Message[], fromSync = false): void {
    const fresh: Message[] = [];
    for (const m of messages.sort((a, b) => a.sequence - b.sequence)) {
      if (m.sequence > 0) {
        const first = this.dedup.firstMessage(m.conversationID, m.sequence);
        if (!this.isLive(m)) this.dedup.advance(m.conversationID, m.sequence, fromSync);
        // A send of ours whose answer is still on its way (a catch-up sync can see it stored
        // first): the send's own answer hands it to the app.
        if (!first || this.sending.has(m.ID)) continue;
        this.remember(m);
      }
      fresh.push(m);
      // A 1:1 message without a seq was sent online only (a typing status, say): news for the
      // app, but not the conversation's last message nor unread (as Tencent's SDK).
      if (!m.sequence && m.conversationType === TYPES.CONV_C2C) continue;
      this.touchConversation(m, m.flow === 'in' && !fromSync && !this.isLive(m), false);
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
    const group = conversationID.startsWith(TYPES.CONV_GROUP) ? conversationID.slice(TYPES.CONV_GROUP.length) : '';
    const revoked: Message = m ?? {
      ...(group ? fromGroupWire(this.me, group, { MsgSeq: seq, MsgBody: [] }) : fromWire(this.me, { MsgSeq: seq, From_Account: '', To_Account: '', MsgRandom: 0, MsgTime: 0, MsgKey: '', MsgBody: [] })),
      conversationID,
    };
    if (revoked.isRevoked && m) return;
    revoked.isRevoked = true;
    revoked.elements = [];
    revoked.payload = {};
    const c = this.conversations.get(conversationID);
    if (c?.lastMessage && c.lastMessage.sequence === seq) c.lastMessage = revoked;
    this.emitter.emit(EVENT.MESSAGE_REVOKED, [revoked]);
    if (c) this.emitConversations();
  }

  /**
   * After a reconnect: AVChatRooms are joined again (the server tied them to the old connection),
   * then what the conversation and group lists say is new, then each conversation from its cursor.
   */
  private async catchUp(): Promise<void> {
    await Promise.all([...this.liveRooms].map((id) => this.group('apply_join_group', { GroupId: id }).catch((err: unknown) => this.emitter.emit(EVENT.ERROR, err))));
    await this.loadConversations(false);
    const cursors = this.dedup.syncCursors();
    // The server's list is a projection that can lag the messages by a moment: a conversation
    // this client already holds is synced from its cursor whatever the list says (an empty
    // answer costs little); the list only tells about conversations new to the client.
    const todo = [...this.conversations.values()].filter((c) => c.type !== 'GROUP' && (cursors.has(c.conversationID) || c.lastSeq > 0));
    // A few conversations at once: each sync is a round trip to the app's home region.
    const syncOne = async (c: Conversation) => {
      let after = cursors.get(c.conversationID) ?? 0;
      for (let page = 0; page < 50; page++) {
        const res = await this.conn.request<{ messages: WireMessage[]; complete: boolean }>('chat.sync', { peer: c.userID, afterSeq: after, limit: 100 });
        this.deliver(res.messages.map((w) => fromWire(this.me, w)), true);
        if (res.complete || !res.messages.length) break;
        after = res.messages[res.messages.length - 1]!.MsgSeq;
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(CATCH_UP_CONCURRENCY, todo.length) }, async () => {
        for (let c = todo.shift(); c; c = todo.shift()) await syncOne(c);
      }),
    );
    // Groups after C2C: a group service that does not answer must not hold up C2C catch-up.
    await this.catchUpGroups(cursors).catch((err: unknown) => this.emitter.emit(EVENT.ERROR, err));
    this.emitConversations();
  }

  private async catchUpGroups(cursors: Map<string, number>): Promise<void> {
    await this.loadGroups(false);
    for (const g of this.groups.values()) {
      if (g.type === TYPES.GRP_AVCHATROOM) continue;
      const id = groupConversationID(g.groupID);
      const from = cursors.get(id);
      const c = this.conversations.get(id);
      if (from === undefined || !c || c.lastSeq <= from) continue;
      const missed = await historyAfter(
        (req) => this.group<HistoryPage>('group_msg_get_simple', { GroupId: g.groupID, ReqMsgNumber: 20, WithRecalledMsg: 1, ...(req !== undefined ? { ReqMsgSeq: req } : {}) }),
        from,
      );
      this.deliver(missed.map((w) => fromGroupWire(this.me, g.groupID, w)), true);
    }
  }

  /**
   * The joined groups (get_joined_group_list with the own member info, then get_group_info for
   * each group's next seq, 50 a request). `baseline`: login; otherwise a reconnect, whose catch-up
   * syncs each known group from its cursor.
   */
  private async loadGroups(baseline: boolean): Promise<void> {
    const joined = await this.group<{ GroupIdList: Json[] }>('get_joined_group_list', { ResponseFilter: { GroupBaseInfoFilter: GROUP_FIELDS, SelfInfoFilter: SELF_FIELDS } });
    const items = joined.GroupIdList ?? [];
    const infos = new Map<string, Json>();
    for (let i = 0; i < items.length; i += 50) {
      const ids = items.slice(i, i + 50).map((g) => String(g['GroupId']));
      const res = await this.group<{ GroupInfo: Json[] }>('get_group_info', { GroupIdList: ids, ResponseFilter: { GroupBaseInfoFilter: ['NextMsgSeq', 'MemberNum', 'LastInfoTime'] } });
      for (const info of res.GroupInfo ?? []) if (Number(info['ErrorCode'] ?? 0) === 0) infos.set(String(info['GroupId']), info);
    }
    const seen = new Set<string>();
    for (const item of items) {
      const id = String(item['GroupId']);
      seen.add(id);
      this.upsertGroup(groupFromWire({ ...item, ...infos.get(id) }, this.groups.get(id)), true);
    }
    // AVChatRooms are not in the joined list: they stay while the app is in them.
    for (const id of [...this.groups.keys()]) if (!seen.has(id) && !this.liveRooms.has(id)) this.groups.delete(id);
    if (baseline || items.length) this.emitter.emit(EVENT.GROUP_LIST_UPDATED, [...this.groups.values()]);
    this.emitConversations();
  }

  private isLive(m: Message): boolean {
    return m.conversationType === TYPES.CONV_GROUP && (this.liveRooms.has(m.to) || this.liveDelivered.has(m.to) || this.groups.get(m.to)?.type === TYPES.GRP_AVCHATROOM);
  }

  /** `group` and `group_tip` pushes: a message of the group (tips too, as Tencent's SDK). */
  private onGroupMessage(p: PushFrame): void {
    const b = p.body;
    const groupID = String(b['GroupId']);
    const m = fromGroupWire(this.me, groupID, b as unknown as WireGroupMessage);
    if (!m.sequence) m.ID = `${groupID}-${p.did}`;
    if (p.did.startsWith('live:')) this.liveDelivered.add(groupID);
    if (p.kind === 'group_tip') this.onGroupTip(groupID, m);
    this.deliver([m]);
  }

  private onGroupTip(groupID: string, m: Message): void {
    const op = Number(m.payload['operationType']);
    const users = (m.payload['userIDList'] as string[] | undefined) ?? [];
    const g = this.groups.get(groupID);
    if (op === TYPES.GRP_TIP_GRP_PROFILE_UPDATED && g) {
      Object.assign(g, m.payload['newGroupProfile'] ?? {});
      this.emitter.emit(EVENT.GROUP_LIST_UPDATED, [...this.groups.values()]);
    } else if ((op === TYPES.GRP_TIP_MBR_QUIT || op === TYPES.GRP_TIP_MBR_KICKED_OUT) && users.includes(this.me)) {
      this.forgetGroup(groupID);
    } else if (op === TYPES.GRP_TIP_MBR_JOIN && users.includes(this.me) && !g) {
      void this.fetchGroup(groupID).catch(() => undefined);
    } else if (g && (op === TYPES.GRP_TIP_MBR_SET_ADMIN || op === TYPES.GRP_TIP_MBR_CANCELED_ADMIN) && users.includes(this.me)) {
      g.selfInfo.role = op === TYPES.GRP_TIP_MBR_SET_ADMIN ? TYPES.GRP_MBR_ROLE_ADMIN : TYPES.GRP_MBR_ROLE_MEMBER;
    }
    if (g && (op === TYPES.GRP_TIP_MBR_JOIN || op === TYPES.GRP_TIP_MBR_QUIT || op === TYPES.GRP_TIP_MBR_KICKED_OUT) && g.type !== TYPES.GRP_AVCHATROOM) {
      g.memberCount = Math.max(0, g.memberCount + (op === TYPES.GRP_TIP_MBR_JOIN ? users.length : -users.length));
    }
  }

  /** `group_system`: a `TIMGroupSystemNoticeElem` message in `@TIM#SYSTEM`; the group list follows. */
  private onGroupSystem(p: PushFrame): void {
    const notice = groupSystemNotice(p.body, Math.floor(Date.now() / 1000), p.did);
    const groupID = notice.to;
    switch (notice.payload['operationType']) {
      case TYPES.GRP_SYS_NOTICE_KICKED_OUT:
      case TYPES.GRP_SYS_NOTICE_GROUP_DISMISSED:
        this.forgetGroup(groupID);
        break;
      case TYPES.GRP_SYS_NOTICE_JOIN_ACCEPTED:
      case TYPES.GRP_SYS_NOTICE_GROUP_CREATED:
      case TYPES.GRP_SYS_NOTICE_INVITED:
        if (!this.groups.has(groupID)) void this.fetchGroup(groupID).catch(() => undefined);
        break;
      case TYPES.GRP_SYS_NOTICE_SET_ADMIN:
      case TYPES.GRP_SYS_NOTICE_CANCELED_ADMIN: {
        const g = this.groups.get(groupID);
        if (g) g.selfInfo.role = notice.payload['operationType'] === TYPES.GRP_SYS_NOTICE_SET_ADMIN ? TYPES.GRP_MBR_ROLE_ADMIN : TYPES.GRP_MBR_ROLE_MEMBER;
        break;
      }
      default:
    }
    this.emitter.emit(EVENT.MESSAGE_RECEIVED, [notice]);
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
          draftText: prev?.draftText ?? '',
        });
      }
      if (res.complete || !res.conversations.length) break;
      for (const k of ['TimeStamp', 'StartIndex', 'TopTimeStamp', 'TopStartIndex']) cursors[k] = res[k];
    }
    if (baseline) for (const id of [...this.conversations.keys()]) if (!seen.has(id) && id.startsWith(TYPES.CONV_C2C)) this.conversations.delete(id);
    this.emitConversations();
  }

  private touchConversation(m: Message, unread: boolean, emit = true): void {
    let c = this.conversations.get(m.conversationID);
    if (!c) {
      const target = parseConversationID(m.conversationID);
      const group = target.type === 'GROUP' ? this.groups.get(target.id) : undefined;
      c = { conversationID: m.conversationID, type: target.type, userID: target.type === 'C2C' ? target.id : '', ...(group ? { groupProfile: group } : {}), unreadCount: 0, isPinned: false, lastTime: 0, lastSeq: 0, peerReadSeq: 0, lastMessage: null, draftText: '' };
      this.conversations.set(m.conversationID, c);
    }
    if (m.sequence === 0 && m.conversationType === TYPES.CONV_GROUP) {
      // Not stored (AVChatRoom tips): shown as the latest without moving the seq.
      c.lastTime = Math.max(c.lastTime, m.time);
      c.lastMessage = m;
      if (emit) this.emitConversations();
      return;
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
    this.unwatchNetwork?.();
    this.me = '';
    this.ready = false;
    this.conversations.clear();
    this.groups.clear();
    this.liveRooms.clear();
    this.liveDelivered.clear();
    this.store.clear();
    this.byID.clear();
    this.dedup = new Deduplicator();
  }
}
