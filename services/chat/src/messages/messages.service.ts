import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId, validateMsgBody } from '@meridian/contracts';
import { EventBus, GrpcClients } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';
import { DedupeRepository, type SendResult } from './dedupe.repository';
import { messageId, type C2cMessageDoc } from './message.schema';
import { MessagesRepository } from './messages.repository';
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
}

export const MAX_LIFETIME_S = 604_800;
const MAX_SEQ_RETRIES = 3;

/** `c2c:<a>:<b>` with the two ids in sorted order (DESIGN). */
export function c2cConversationId(a: string, b: string): string {
  return a < b ? `c2c:${a}:${b}` : `c2c:${b}:${a}`;
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
    @Inject(GrpcClients) private readonly clients: GrpcClients,
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
    const check = await this.clients.service<authV1.AuthServiceClient>('auth').checkAccounts({ sdkAppId: input.sdkAppId, userIds: [input.from, input.to] });
    const missing = check.results.filter((r) => r.status !== 'Imported').map((r) => r.userId);
    if (missing.includes(input.to)) throw new MeridianError(ErrorCode.TO_ACCOUNT_NOT_FOUND, `To_Account ${input.to} does not exist`);
    if (missing.includes(input.from)) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `From_Account ${input.from} does not exist`);

    const ttl = this.config.MERIDIAN_CHAT_DEDUPE_S;
    const earlier = await this.dedupe.claim(input.sdkAppId, input.from, input.to, input.random, ttl);
    if (earlier === 'pending') throw new MeridianError(ErrorCode.TOO_FREQUENT, 'the same message is being sent; retry shortly');
    if (earlier) return { ...earlier, duplicate: true };
    try {
      const result = await this.accept(input);
      await this.dedupe.complete(input.sdkAppId, input.from, input.to, input.random, result, ttl);
      return { ...result, duplicate: false };
    } catch (err) {
      await this.dedupe.release(input.sdkAppId, input.from, input.to, input.random);
      throw err;
    }
  }

  async history(
    sdkAppId: number,
    account: string,
    peer: string,
    opts: { afterSeq?: number; beforeSeq?: number; limit: number },
  ): Promise<{ messages: C2cMessageDoc[]; lastSeq: number; complete: boolean }> {
    if (!isValidUserId(account) || !isValidUserId(peer)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid account');
    const conv = c2cConversationId(account, peer);
    const limit = Math.min(Math.max(opts.limit, 1), this.config.MERIDIAN_CHAT_PAGE_MAX);
    const page = opts.beforeSeq
      ? await this.messages.before(sdkAppId, conv, opts.beforeSeq, limit + 1)
      : await this.messages.after(sdkAppId, conv, opts.afterSeq ?? 0, limit + 1);
    const now = Date.now();
    const live = page.filter((m) => m.expiresAt.getTime() > now);
    const lastSeq = await this.messages.maxSeq(sdkAppId, conv);
    return { messages: live.slice(0, limit), lastSeq, complete: page.length <= limit };
  }

  /**
   * Recall: the sender within the window, or an admin at any time. The message keeps its seq and
   * loses its content; both parties' devices get a recall notice.
   */
  async recall(input: { sdkAppId: number; from: string; to: string; msgKey: string; byAdmin: boolean; operator: string }): Promise<void> {
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
      if (Date.now() / 1000 - msg.time > this.config.MERIDIAN_CHAT_RECALL_WINDOW_S) {
        throw new MeridianError(ErrorCode.MSG_RECALL_WINDOW_PASSED, `messages can be recalled within ${this.config.MERIDIAN_CHAT_RECALL_WINDOW_S} s`);
      }
    }
    if (!(await this.messages.markRecalled(id))) throw new MeridianError(ErrorCode.MSG_ALREADY_RECALLED, 'the message was recalled already');
    const notice = Buffer.from(JSON.stringify({ ConversationId: conv, MsgSeq: seq, MsgKey: msg.key, From_Account: msg.from, To_Account: msg.to }));
    await this.bus.publish(
      TOPICS.deliveries,
      conv,
      { deliveryRequested: { recipients: [msg.from, msg.to], kind: 'c2c_recall', body: notice, conversationId: conv, seq: String(seq), excludeLoginId: '', offlinePush: Buffer.alloc(0) } },
      { sdkAppId: input.sdkAppId },
    );
  }

  private async accept(input: SendInput): Promise<SendResult> {
    const conv = c2cConversationId(input.from, input.to);
    const time = Math.floor(Date.now() / 1000);
    const lifeTime = input.lifeTime ?? this.config.MERIDIAN_CHAT_DEFAULT_LIFETIME_S;
    const body = JSON.stringify(input.msgBody);
    let seq = 0;
    if (lifeTime > 0) {
      for (let attempt = 0; ; attempt++) {
        seq = await this.sequences.next(input.sdkAppId, conv, () => this.messages.maxSeq(input.sdkAppId, conv));
        const stored = await this.messages.insert({
          _id: messageId(input.sdkAppId, conv, seq),
          sdkAppId: input.sdkAppId,
          conversationId: conv,
          seq,
          from: input.from,
          to: input.to,
          random: input.random,
          time,
          key: `${seq}_${input.random}_${time}`,
          body,
          cloudCustomData: input.cloudCustomData,
          recalled: false,
          expiresAt: new Date((time + lifeTime) * 1000),
        });
        if (stored) break;
        // The counter was behind storage (Redis lost data): catch up and take the next number.
        this.logger.warn({ sdkAppId: input.sdkAppId, seq }, 'sequence clash; resynchronising from storage');
        if (attempt >= MAX_SEQ_RETRIES) throw new MeridianError(ErrorCode.INTERNAL, 'could not assign a sequence number');
        await this.sequences.resync(input.sdkAppId, conv, await this.messages.maxSeq(input.sdkAppId, conv));
      }
    }
    const key = `${seq}_${input.random}_${time}`;
    const opts = { sdkAppId: input.sdkAppId };
    await this.bus.publish(
      TOPICS.c2cMessages,
      conv,
      {
        c2cMessageStored: {
          conversationId: conv,
          msgSeq: String(seq),
          fromAccount: input.from,
          toAccount: input.to,
          msgRandom: input.random,
          msgTime: String(time),
          msgKey: key,
          msgBody: Buffer.from(body),
          cloudCustomData: input.cloudCustomData,
          onlineOnly: lifeTime === 0,
        },
      },
      opts,
    );
    const push = Buffer.from(
      JSON.stringify({
        ConversationId: conv,
        MsgSeq: seq,
        From_Account: input.from,
        To_Account: input.to,
        MsgRandom: input.random,
        MsgTime: time,
        MsgKey: key,
        MsgBody: input.msgBody,
        CloudCustomData: input.cloudCustomData,
      }),
    );
    const delivery = (recipients: string[], offlinePush: string, excludeLoginId: string) => ({
      deliveryRequested: { recipients, kind: 'c2c', body: push, conversationId: conv, seq: String(seq), excludeLoginId, offlinePush: Buffer.from(offlinePush) },
    });
    await this.bus.publish(TOPICS.deliveries, conv, delivery([input.to], input.offlinePushInfo, ''), opts);
    // The sender's other devices get their own message (clients always; REST with SyncOtherMachine 1).
    const syncSender = input.from !== input.to && (input.fromLoginId ? input.syncOtherMachine !== 2 : input.syncOtherMachine === 1);
    if (syncSender) await this.bus.publish(TOPICS.deliveries, conv, delivery([input.from], '', input.fromLoginId), opts);
    return { msgSeq: seq, msgTime: time, msgKey: key, conversationId: conv };
  }
}
