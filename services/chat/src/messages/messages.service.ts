import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId, validateMsgBody } from '@meridian/contracts';
import { AppCountReporter, BeforeCallbacks, EventBus, HOUR_S, hourPage } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { AppSettingsCache } from '../apps/app-settings.cache';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';
import { ConversationsService } from '../conversations/conversations.service';
import { c2cConversationId } from './conversation-id';
import { DedupeRepository, type SendResult } from './dedupe.repository';
import { messageId, type C2cMessageDoc } from './message.schema';
import { recallEvents } from './recall-events';
import { MessagesRepository } from './messages.repository';
import { SendChecks } from './send-checks';
import { SequenceRepository } from './sequence.repository';

export interface SendInput {
  sdkAppId: number;
  from: string;
  to: string;
  random: number;
  msgBody: unknown;
  cloudCustomData: string;
  /** Seconds; 0 = online only; undefined = the default retention. */
  lifeTime?: number;
  syncOtherMachine: 0 | 1 | 2;
  offlinePushInfo: string;
  /** The sending device (client sends), which needs no copy of its own message. */
  fromLoginId: string;
  /** Code for a body over 12 KB: 93000 on REST, 80002 from clients. */
  tooLongCode: number;
  /** Tencent SendMsgControl: NoUnread, NoLastMsg, WithMuteNotifications. */
  sendMsgControl?: string[];
  /** No callbacks at all (batchsendmsg). */
  noCallbacks?: boolean;
  /** Tencent ForbidCallbackControl: ForbidBeforeSendMsgCallback, ForbidAfterSendMsgCallback. */
  forbidCallbackControl?: string[];
  /** True once the caller gave up (its gRPC deadline passed): the message is then not stored. */
  callerGone?: () => boolean;
  /** Who sent it (callbacks: OptPlatform, ClientIP). */
  origin?: originEventsV1.Origin;
  /** The seq and time the before-callback was shown (MsgSeq, MsgKey), taken before it ran. */
  reserved?: { seq: number; time: number };
}

export interface ImportInput {
  sdkAppId: number;
  from: string;
  to: string;
  /** The caller's MsgSeq (part of the de-duplication key only). */
  clientSeq: number;
  random: number;
  /** Unix seconds of the original message. */
  time: number;
  msgBody: unknown;
  cloudCustomData: string;
  /** Tencent SyncFromOldSystem: 1 realtime (unread), 2 history (read, silent), 5 realtime (unread, pushed). */
  mode: number;
}

const IMPORT_MODES = new Set([1, 2, 5]);

export const MAX_LIFETIME_S = 604_800;
const MAX_SEQ_RETRIES = 3;

export { c2cConversationId };

interface StoreInput {
  sdkAppId: number;
  from: string;
  to: string;
  random: number;
  time: number;
  body: string;
  cloudCustomData: string;
  noUnread: boolean;
  hiddenFromSender?: boolean;
  expiresAt: Date;
}

/**
 * The 1:1 send path: validate, de-duplicate retries, assign the conversation's next seq, store,
 * produce the message event and the deliveries, and only then answer with MsgSeq/MsgTime/MsgKey.
 */
@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    @Inject(CHAT_CONFIG) private readonly config: ChatConfig,
    @Inject(MessagesRepository) private readonly messages: MessagesRepository,
    @Inject(SequenceRepository) private readonly sequences: SequenceRepository,
    @Inject(DedupeRepository) private readonly dedupe: DedupeRepository,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(ConversationsService) private readonly conversations: ConversationsService,
    @Inject(AppSettingsCache) private readonly apps: AppSettingsCache,
    @Inject(BeforeCallbacks) private readonly callbacks: BeforeCallbacks,
    @Inject(SendChecks) private readonly checks: SendChecks,
    @Inject(AppCountReporter) private readonly counts: AppCountReporter,
  ) {}

  async send(input: SendInput): Promise<SendResult & { duplicate: boolean }> {
    if (!isValidUserId(input.from)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid From_Account');
    if (!isValidUserId(input.to)) throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account is missing or invalid');
    if (!Number.isInteger(input.random) || input.random < 0 || input.random > 0xffffffff) {
      throw new MeridianError(ErrorCode.MSG_RANDOM_INVALID, 'MsgRandom must be a 32-bit unsigned integer');
    }
    if (input.lifeTime !== undefined && (input.lifeTime < 0 || input.lifeTime > MAX_LIFETIME_S)) {
      throw new MeridianError(ErrorCode.MSG_LIFETIME_INVALID, `MsgLifeTime is 0-${MAX_LIFETIME_S} seconds`);
    }
    validateMsgBody(input.msgBody, input.tooLongCode);
    // Client sends are checked against the app-wide mute and the recipient's blacklist; admin
    // sends over REST are not (Tencent). Both questions are asked at once.
    // Both from local caches (SendChecks) when they can.
    const [sender, blocked] = await Promise.all([
      this.checks.requireAccounts(input.sdkAppId, input.from, input.to),
      input.fromLoginId && input.from !== input.to ? this.checks.sendRefusal(input.sdkAppId, input.from, input.to) : Promise.resolve(0),
    ]);
    if (input.fromLoginId && Number(sender.c2cMutedUntil) > Date.now() / 1000) {
      throw new MeridianError(ErrorCode.C2C_SENDER_MUTED, 'the sender is muted for 1:1 messages');
    }
    if (blocked) throw new MeridianError(blocked, 'the recipient has blacklisted the sender');

    const ttl = this.config.MERIDIAN_CHAT_DEDUPE_S;
    let earlier = await this.dedupe.claim(input.sdkAppId, input.from, input.to, input.random, ttl);
    if (earlier === 'pending') throw new MeridianError(ErrorCode.TOO_FREQUENT, 'the same message is being sent; retry shortly');
    // A new claim, yet an earlier attempt may have stored the message and lost its claim: the
    // attempt died after storing (its pending claim expired) or Redis lost the claim. Storage is
    // the durable record: such a retry finishes that copy instead of storing a second one.
    const claimed = earlier === undefined;
    if (claimed) earlier = await this.whileClaimed(input, () => this.storedEarlier(input, ttl));
    if (earlier) {
      // The first attempt stored the message but failed to produce its events (Kafka down): the
      // retry produces them from the stored copy instead of storing a second one.
      if (earlier.unpublished) {
        const found = earlier;
        await (claimed ? this.whileClaimed(input, () => this.republish(input, found)) : this.republish(input, found));
        const done: SendResult = { msgSeq: earlier.msgSeq, msgTime: earlier.msgTime, msgKey: earlier.msgKey, conversationId: earlier.conversationId };
        await this.dedupe.complete(input.sdkAppId, input.from, input.to, input.random, done, ttl);
        return { ...done, duplicate: true };
      }
      return { ...earlier, duplicate: true };
    }
    let stored: SendResult | undefined;
    try {
      // Third-party callbacks: C2C.CallbackBeforeSendMsg may reject, drop or rewrite the message.
      const decided = await this.beforeSendCallback(input);
      const result =
        decided === 'drop'
          ? this.droppedResult(input)
          : await this.accept(decided, (r) => {
              // Stored: from here a retry must not store again, only finish producing.
              stored = { ...r, unpublished: true };
            });
      await this.dedupe.complete(input.sdkAppId, input.from, input.to, input.random, result, ttl);
      return { ...result, duplicate: false };
    } catch (err) {
      // Stored but not produced (Kafka down): the claim says so, and a retry produces from the
      // stored copy. Were this write lost too (or the process gone), the pending claim expires
      // within 10 s and the retry finds the stored copy in storage (storedEarlier) all the same;
      // the happy path saves the round trip of writing this marker before every produce.
      if (stored) await this.dedupe.complete(input.sdkAppId, input.from, input.to, input.random, stored, ttl).catch(() => undefined);
      else await this.dedupe.release(input.sdkAppId, input.from, input.to, input.random);
      throw err;
    }
  }

  /** Runs `step` under this send's new claim, freeing the claim when it fails so a retry can come. */
  private async whileClaimed<T>(input: SendInput, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await this.dedupe.release(input.sdkAppId, input.from, input.to, input.random);
      throw err;
    }
  }

  /** The stored copy of this (sender, recipient, random) within the window, as an unfinished send. */
  private async storedEarlier(input: SendInput, windowSeconds: number): Promise<SendResult | undefined> {
    // An online-only message (MsgLifeTime 0) is never stored: nothing to find.
    if (input.lifeTime === 0) return undefined;
    const conv = c2cConversationId(input.from, input.to);
    const doc = await this.messages.findSent(input.sdkAppId, conv, input.from, input.random, Math.floor(Date.now() / 1000) - windowSeconds);
    if (!doc) return undefined;
    this.logger.warn({ sdkAppId: input.sdkAppId, seq: doc.seq }, 'retried send found stored without its claim; finishing the stored copy');
    return { msgSeq: doc.seq, msgTime: doc.time, msgKey: doc.key, conversationId: conv, unpublished: true };
  }

  /** Produces the events of a message an earlier attempt stored (from the stored copy). */
  private async republish(input: SendInput, earlier: SendResult): Promise<void> {
    const doc = await this.messages.findOne(messageId(input.sdkAppId, earlier.conversationId, earlier.msgSeq));
    if (!doc) throw new MeridianError(ErrorCode.INTERNAL, 'the stored message is gone');
    const m = { sdkAppId: input.sdkAppId, from: doc.from, to: doc.to, random: doc.random, time: doc.time, body: doc.body, cloudCustomData: doc.cloudCustomData, noUnread: Boolean(doc.noUnread), expiresAt: doc.expiresAt };
    await this.publishAccepted(input, earlier.conversationId, doc.seq, doc.key, m, false);
  }

  /**
   * Asks the app's backend (C2C.CallbackBeforeSendMsg) unless batch-sent or forbidden; answers the
   * input to send (rewritten MsgBody/CloudCustomData when the app modified it) or 'drop'.
   * A reject throws the app's code (20006 or its own 120001-130000; 80003 when blocked on failure).
   */
  private async beforeSendCallback(input: SendInput): Promise<SendInput | 'drop'> {
    if (input.noCallbacks || input.forbidCallbackControl?.includes('ForbidBeforeSendMsgCallback')) return input;
    const reserved = await this.reserveForCallback(input);
    const outcome = await this.callbacks.run(
      input.sdkAppId,
      'C2C.CallbackBeforeSendMsg',
      {
        From_Account: input.from,
        To_Account: input.to,
        // The seq and key the message will be stored with (reserved above; 0 for online-only).
        MsgSeq: reserved?.seq ?? 0,
        MsgRandom: input.random,
        MsgTime: reserved?.time ?? Math.floor(Date.now() / 1000),
        MsgKey: reserved ? `${reserved.seq}_${input.random}_${reserved.time}` : '',
        OnlineOnlyFlag: input.lifeTime === 0 ? 1 : 0,
        MsgBody: input.msgBody,
        CloudCustomData: input.cloudCustomData,
      },
      { optPlatform: input.origin?.platform || (input.fromLoginId ? 'Unknown' : 'RESTAPI'), clientIp: input.origin?.clientIp ?? '' },
    );
    if (!BeforeCallbacks.proceed(outcome)) return 'drop';
    if (outcome?.action !== 'modify' || !outcome.answer) return reserved ? { ...input, reserved } : input;
    const body = outcome.answer['MsgBody'];
    const cloud = outcome.answer['CloudCustomData'];
    const next = { ...input, reserved };
    if (Array.isArray(body)) {
      try {
        validateMsgBody(body, input.tooLongCode);
        next.msgBody = body;
      } catch {
        this.logger.warn({ sdkAppId: input.sdkAppId }, 'callback answered an invalid MsgBody; original kept');
      }
    }
    if (typeof cloud === 'string') next.cloudCustomData = cloud;
    return next;
  }

  /**
   * Takes the seq (and fixes the time) a stored message will have, so that the before-callback
   * shows Tencent's MsgSeq and MsgKey; only when the app has the callback enabled and the message
   * is to be stored. A vetoed or dropped message leaves its seq unused: a hole in the
   * conversation's sequence (docs/architecture.md, 1:1 messages).
   */
  private async reserveForCallback(input: SendInput): Promise<{ seq: number; time: number } | undefined> {
    if (input.lifeTime === 0 || !(await this.callbacks.enabled(input.sdkAppId, 'C2C.CallbackBeforeSendMsg'))) return undefined;
    const conv = c2cConversationId(input.from, input.to);
    const seq = await this.sequences.next(input.sdkAppId, conv, () => this.messages.maxSeq(input.sdkAppId, conv));
    return { seq, time: Math.floor(Date.now() / 1000) };
  }

  /** What the sender of a message dropped by the app's backend is told: sent, nothing stored. */
  private droppedResult(input: SendInput): SendResult {
    const time = Math.floor(Date.now() / 1000);
    return { msgSeq: 0, msgTime: time, msgKey: `0_${input.random}_${time}`, conversationId: c2cConversationId(input.from, input.to) };
  }

  /**
   * One page of the app's messages whose time falls in the hour starting at hourStart (get_history
   * exports), recalled ones left out; `expired` when the hour begins before the app's retention.
   */
  async hourMessages(sdkAppId: number, hourStart: number, cursor: string, limit: number): Promise<{ messages: C2cMessageDoc[]; nextCursor: string; expired: boolean }> {
    if (!Number.isInteger(hourStart) || hourStart % HOUR_S !== 0 || hourStart < 0) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'hour_start must be a whole UTC hour');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'limit is 1-1000');
    const { roamingSeconds } = await this.apps.get(sdkAppId);
    if (hourStart < Date.now() / 1000 - roamingSeconds) return { messages: [], nextCursor: '', expired: true };
    let page;
    try {
      page = await hourPage(sdkAppId, hourStart, cursor, limit, (minute, afterId, n) => this.messages.inMinute(minute, afterId, n));
    } catch (err) {
      if ((err as Error).message === 'bad hour cursor') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'bad cursor');
      throw err;
    }
    return { messages: page.items.filter((m) => !m.recalled), nextCursor: page.nextCursor, expired: false };
  }

  async history(
    sdkAppId: number,
    account: string,
    peer: string,
    opts: { afterSeq?: number; beforeSeq?: number; limit: number; maxTime?: number; minTime?: number },
  ): Promise<{ messages: C2cMessageDoc[]; lastSeq: number; complete: boolean; peerReadSeq: number }> {
    if (!isValidUserId(account) || !isValidUserId(peer)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid account');
    const conv = c2cConversationId(account, peer);
    const limit = Math.min(Math.max(opts.limit, 1), this.config.MERIDIAN_CHAT_PAGE_MAX);
    // History the account cleared (recentcontact/delete with ClearRamble) stays hidden from it.
    const { clearedSeq, peerReadSeq } = await this.conversations.positions(sdkAppId, account, peer);
    const page = opts.maxTime
      ? await this.messages.byTime(sdkAppId, conv, opts.minTime ?? 0, opts.maxTime, opts.beforeSeq, limit + 1)
      : opts.beforeSeq
      ? await this.messages.before(sdkAppId, conv, opts.beforeSeq, limit + 1)
      : await this.messages.after(sdkAppId, conv, Math.max(opts.afterSeq ?? 0, clearedSeq), limit + 1);
    const now = Date.now();
    const visible = page.filter((m) => m.seq > clearedSeq);
    const live = visible.filter((m) => m.expiresAt.getTime() > now && !(m.hiddenFromSender && m.from === account));
    const lastSeq = await this.messages.maxSeq(sdkAppId, conv);
    return { messages: live.slice(0, limit), lastSeq, complete: visible.length <= limit, peerReadSeq };
  }

  /**
   * Recall: the sender within the window, or an admin at any time. The message keeps its seq and
   * loses its content; both parties' devices get a recall notice.
   */
  async recall(input: { sdkAppId: number; from: string; to: string; msgKey: string; byAdmin: boolean; operator: string; origin?: originEventsV1.Origin }): Promise<void> {
    if (!isValidUserId(input.from) || !isValidUserId(input.to)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid From_Account or To_Account');
    const seq = Number(/^(\d+)_\d+_\d+$/.exec(input.msgKey)?.[1]);
    if (!(seq > 0)) throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is not a message key');
    const conv = c2cConversationId(input.from, input.to);
    const id = messageId(input.sdkAppId, conv, seq);
    const msg = await this.messages.findOne(id);
    if (!msg || msg.key !== input.msgKey || msg.from !== input.from) throw new MeridianError(ErrorCode.MSG_NOT_FOUND, 'no such message');
    if (msg.recalled) throw new MeridianError(ErrorCode.MSG_ALREADY_RECALLED, 'the message was recalled already');
    if (!input.byAdmin) {
      if (input.operator !== msg.from) throw new MeridianError(ErrorCode.MSG_NOT_FOUND, 'only the sender may recall a message');
      const { recallWindowS } = await this.apps.get(input.sdkAppId);
      if (Date.now() / 1000 - msg.time > recallWindowS) throw new MeridianError(ErrorCode.MSG_RECALL_WINDOW_PASSED, `messages can be recalled within ${recallWindowS} s`);
    }
    if (!(await this.messages.markRecalled(id))) throw new MeridianError(ErrorCode.MSG_ALREADY_RECALLED, 'the message was recalled already');
    await this.bus.publishAll(recallEvents(msg, conv, seq, input), { sdkAppId: input.sdkAppId });
  }

  /**
   * History migration: stored with the conversation's next seq, de-duplicated on the caller's
   * (MsgSeq, MsgRandom, MsgTimeStamp) in either direction, no callbacks. Mode 2 (history) is
   * neither unread nor pushed; modes 1 and 5 count as unread, and 5 is also delivered.
   */
  async import(input: ImportInput): Promise<{ msgSeq: number; msgKey: string; duplicate: boolean }> {
    if (!isValidUserId(input.from)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid From_Account');
    if (!isValidUserId(input.to)) throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account is missing or invalid');
    if (!IMPORT_MODES.has(input.mode)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'SyncFromOldSystem is 1, 2 or 5');
    if (!Number.isInteger(input.random) || input.random < 0 || input.random > 0xffffffff) throw new MeridianError(ErrorCode.MSG_RANDOM_INVALID, 'MsgRandom must be a 32-bit unsigned integer');
    if (!Number.isInteger(input.clientSeq) || input.clientSeq < 0 || input.clientSeq > 0xffffffff) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgSeq must be a 32-bit unsigned integer');
    const now = Math.floor(Date.now() / 1000);
    if (!Number.isInteger(input.time) || input.time <= 0 || input.time > now + 300) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgTimeStamp must be a unix time in seconds, not in the future');
    validateMsgBody(input.msgBody, ErrorCode.MSG_TOO_LONG_REST);
    await this.checks.requireAccounts(input.sdkAppId, input.from, input.to);
    const conv = c2cConversationId(input.from, input.to);
    const expiresAt = new Date((input.time + (await this.apps.get(input.sdkAppId)).roamingSeconds) * 1000);
    const keyId = `${input.sdkAppId}:${conv}:${input.clientSeq}_${input.random}_${input.time}`;
    const earlier = await this.messages.claimImportKey(keyId, new Date(Math.max(expiresAt.getTime(), Date.now() + 86_400_000)));
    if (earlier) return { msgSeq: earlier.seq, msgKey: earlier.msgKey, duplicate: true };
    try {
      const body = JSON.stringify(input.msgBody);
      const stored = await this.store(conv, {
        sdkAppId: input.sdkAppId,
        from: input.from,
        to: input.to,
        random: input.random,
        time: input.time,
        body,
        cloudCustomData: input.cloudCustomData,
        noUnread: input.mode === 2,
        expiresAt,
      });
      await this.messages.completeImportKey(keyId, stored.seq, stored.key);
      const opts = { sdkAppId: input.sdkAppId };
      await this.bus.publish(
        TOPICS.c2cMessages,
        conv,
        {
          c2cMessageStored: {
            ...this.storedEvent(conv, stored.seq, stored.key, { ...input, body }),
            onlineOnly: false,
            noUnread: input.mode === 2,
            noLastMsg: false,
            senderSync: true,
            expiresAt: String(Math.floor(expiresAt.getTime() / 1000)),
            imported: input.mode,
            noCallbacks: true,
            origin: undefined,
          },
        },
        opts,
      );
      // Imports are history, not activity: they count as messages but not as senders.
      this.counts.add(input.sdkAppId, 'c2cMessages');
      if (input.mode === 5) {
        const push = this.pushBody(conv, stored.seq, stored.key, { ...input, body });
        await this.bus.publish(TOPICS.deliveries, conv, this.delivery(conv, stored.seq, push, [input.to], '', '', input.from !== input.to ? [input.from] : []), opts);
      }
      return { msgSeq: stored.seq, msgKey: stored.key, duplicate: false };
    } catch (err) {
      await this.messages.releaseImportKey(keyId);
      throw err;
    }
  }

  /**
   * Admin overwrite of a stored message's MsgBody and/or CloudCustomData (irreversible); both
   * parties' devices are told.
   */
  async modify(input: { sdkAppId: number; from: string; to: string; msgKey: string; msgBody?: unknown; cloudCustomData?: string }): Promise<void> {
    if (!isValidUserId(input.from) || !isValidUserId(input.to)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid From_Account or To_Account');
    if (input.msgBody === undefined && input.cloudCustomData === undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgBody or CloudCustomData is required');
    if (input.msgBody !== undefined) validateMsgBody(input.msgBody, ErrorCode.MSG_TOO_LONG_REST);
    const seq = Number(/^(\d+)_\d+_\d+$/.exec(input.msgKey)?.[1]);
    if (!(seq > 0)) throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is not a message key');
    const conv = c2cConversationId(input.from, input.to);
    const id = messageId(input.sdkAppId, conv, seq);
    const msg = await this.messages.findOne(id);
    if (!msg || msg.key !== input.msgKey || msg.from !== input.from || msg.expiresAt.getTime() <= Date.now()) throw new MeridianError(ErrorCode.MSG_NOT_FOUND, 'no such message');
    if (msg.recalled) throw new MeridianError(ErrorCode.MSG_ALREADY_RECALLED, 'the message was recalled');
    const set: { body?: string; cloudCustomData?: string } = {};
    if (input.msgBody !== undefined) set.body = JSON.stringify(input.msgBody);
    if (input.cloudCustomData !== undefined) set.cloudCustomData = input.cloudCustomData;
    if (!(await this.messages.modify(id, set))) throw new MeridianError(ErrorCode.MSG_ALREADY_RECALLED, 'the message was recalled');
    const body = set.body ?? msg.body;
    const cloud = set.cloudCustomData ?? msg.cloudCustomData;
    const opts = { sdkAppId: input.sdkAppId };
    await this.bus.publish(
      TOPICS.c2cMessages,
      conv,
      { c2cMessageModified: { conversationId: conv, msgSeq: String(seq), fromAccount: msg.from, toAccount: msg.to, msgKey: msg.key, msgBody: Buffer.from(body), cloudCustomData: cloud } },
      opts,
    );
    const notice = { ConversationId: conv, MsgSeq: seq, MsgKey: msg.key, From_Account: msg.from, To_Account: msg.to, MsgBody: JSON.parse(body) as unknown, CloudCustomData: cloud };
    await this.bus.publish(TOPICS.deliveries, conv, { deliveryRequested: { recipients: [...new Set([msg.from, msg.to])], kind: 'c2c_modify', body: Buffer.from(JSON.stringify(notice)), conversationId: conv, seq: '0', excludeLoginId: '', offlinePush: Buffer.alloc(0), onlineOnlyRecipients: [] } }, opts);
  }

  /** Stores a message under the conversation's next seq (resynchronising when Redis lost the counter). */
  private async store(conv: string, m: StoreInput, reservedSeq?: number): Promise<{ seq: number; key: string }> {
    for (let attempt = 0; ; attempt++) {
      const seq = attempt === 0 && reservedSeq ? reservedSeq : await this.sequences.next(m.sdkAppId, conv, () => this.messages.maxSeq(m.sdkAppId, conv));
      const key = `${seq}_${m.random}_${m.time}`;
      const stored = await this.messages.insert({
        _id: messageId(m.sdkAppId, conv, seq),
        sdkAppId: m.sdkAppId,
        conversationId: conv,
        seq,
        from: m.from,
        to: m.to,
        random: m.random,
        time: m.time,
        key,
        body: m.body,
        cloudCustomData: m.cloudCustomData,
        recalled: false,
        ...(m.noUnread ? { noUnread: true } : {}),
        ...(m.hiddenFromSender ? { hiddenFromSender: true } : {}),
        expiresAt: m.expiresAt,
      });
      if (stored) return { seq, key };
      // The counter was behind storage (Redis lost data): catch up and take the next number.
      this.logger.warn({ sdkAppId: m.sdkAppId, seq }, 'sequence clash; resynchronising from storage');
      if (attempt >= MAX_SEQ_RETRIES) throw new MeridianError(ErrorCode.INTERNAL, 'could not assign a sequence number');
      await this.sequences.resync(m.sdkAppId, conv, await this.messages.maxSeq(m.sdkAppId, conv));
    }
  }

  private storedEvent(conv: string, seq: number, key: string, m: { from: string; to: string; random: number; time: number; body: string; cloudCustomData: string }) {
    return {
      conversationId: conv,
      msgSeq: String(seq),
      fromAccount: m.from,
      toAccount: m.to,
      msgRandom: m.random,
      msgTime: String(m.time),
      msgKey: key,
      msgBody: Buffer.from(m.body),
      cloudCustomData: m.cloudCustomData,
    };
  }

  private pushBody(conv: string, seq: number, key: string, m: { from: string; to: string; random: number; time: number; body: string; cloudCustomData: string }): Buffer {
    // The body is spliced in as the JSON text it already is (no second parse and stringify).
    const head = JSON.stringify({ ConversationId: conv, MsgSeq: seq, From_Account: m.from, To_Account: m.to, MsgRandom: m.random, MsgTime: m.time, MsgKey: key });
    return Buffer.from(`${head.slice(0, -1)},"MsgBody":${m.body},"CloudCustomData":${JSON.stringify(m.cloudCustomData)}}`);
  }

  private delivery(conv: string, seq: number, push: Buffer, recipients: string[], offlinePush: string, excludeLoginId: string, onlineOnlyRecipients: string[] = []) {
    return {
      deliveryRequested: { recipients, kind: 'c2c', body: push, conversationId: conv, seq: String(seq), excludeLoginId, offlinePush: Buffer.from(offlinePush), onlineOnlyRecipients },
    };
  }

  private async accept(input: SendInput, onStored?: (r: SendResult) => void): Promise<SendResult> {
    const conv = c2cConversationId(input.from, input.to);
    const time = input.reserved?.time ?? Math.floor(Date.now() / 1000);
    // Kept for the app's roaming period; a MsgLifeTime shortens it (0: online only, not stored).
    const { roamingSeconds } = await this.apps.get(input.sdkAppId);
    const lifeTime = input.lifeTime === undefined ? roamingSeconds : Math.min(input.lifeTime, roamingSeconds);
    const body = JSON.stringify(input.msgBody);
    const control = new Set(input.sendMsgControl ?? []);
    const expiresAt = new Date((time + lifeTime) * 1000);
    // SyncOtherMachine 2 (Tencent): the message stays out of the sender's roaming as well as their devices.
    const hiddenFromSender = input.syncOtherMachine === 2 && input.from !== input.to;
    const m = { sdkAppId: input.sdkAppId, from: input.from, to: input.to, random: input.random, time, body, cloudCustomData: input.cloudCustomData, noUnread: control.has('NoUnread'), hiddenFromSender, expiresAt };
    // The point of no return. A caller that gave up meanwhile (a slow callback, a data-plane
    // outage) has been told the send failed and will retry: storing now would leave it told
    // "failed" about a delivered message, and its retries refused (60018) while this runs.
    if (input.callerGone?.()) throw new MeridianError(ErrorCode.INTERNAL_TIMEOUT, 'the caller gave up before the message was stored');
    // Online-only messages (MsgLifeTime 0) are not stored and take no seq.
    const { seq, key } = lifeTime > 0 ? await this.store(conv, m, input.reserved?.seq) : { seq: 0, key: `0_${input.random}_${time}` };
    if (lifeTime > 0 && onStored) onStored({ msgSeq: seq, msgTime: time, msgKey: key, conversationId: conv });
    await this.publishAccepted(input, conv, seq, key, m, lifeTime === 0);
    return { msgSeq: seq, msgTime: time, msgKey: key, conversationId: conv };
  }

  /** The events of an accepted message: the stored event (conversations, callbacks) and the deliveries. */
  private async publishAccepted(
    input: SendInput,
    conv: string,
    seq: number,
    key: string,
    m: { sdkAppId: number; from: string; to: string; random: number; time: number; body: string; cloudCustomData: string; noUnread: boolean; expiresAt: Date },
    onlineOnly: boolean,
  ): Promise<void> {
    const control = new Set(input.sendMsgControl ?? []);
    const expiresAt = m.expiresAt;
    const opts = { sdkAppId: input.sdkAppId };
    // Client sends always sync the sender's devices and roaming; REST sends unless SyncOtherMachine is 2.
    const senderSync = input.syncOtherMachine !== 2;
    const stored = {
      topic: TOPICS.c2cMessages,
      key: conv,
      payload: {
        c2cMessageStored: {
          ...this.storedEvent(conv, seq, key, m),
          onlineOnly,
          noUnread: m.noUnread,
          noLastMsg: control.has('NoLastMsg'),
          senderSync,
          expiresAt: String(Math.floor(expiresAt.getTime() / 1000)),
          imported: 0,
          noCallbacks: Boolean(input.noCallbacks || input.forbidCallbackControl?.includes('ForbidAfterSendMsgCallback')),
          origin: input.origin,
        },
      },
    };
    const push = this.pushBody(conv, seq, key, m);
    // The sender's other devices get their own message (clients always; REST with SyncOtherMachine 1),
    // online only, in the same record as the recipient's: one record, one session lookup, one
    // Deliver per gateway instance. The sending device itself is left out.
    const syncSender = input.from !== input.to && (input.fromLoginId ? input.syncOtherMachine !== 2 : input.syncOtherMachine === 1);
    const delivery = this.delivery(conv, seq, push, [input.to], input.offlinePushInfo, input.fromLoginId, syncSender ? [input.from] : []);
    // One produce request for both records.
    await this.bus.publishAll([stored, { topic: TOPICS.deliveries, key: conv, payload: delivery }], opts);
    // The app's statistics, reported to auth in batches (auth no longer reads every message).
    this.counts.add(input.sdkAppId, 'c2cMessages');
    this.counts.addDistinct(input.sdkAppId, [
      ['c2cSenders', m.from],
      ['senders', m.from],
      ['activeUsers', m.from],
    ]);
  }
}
