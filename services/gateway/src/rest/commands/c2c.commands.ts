import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId, validateMsgBody } from '@meridian/contracts';
import { GrpcClients, existingAccounts } from '@meridian/platform';
import type { chatV1 } from '@meridian/proto';
import { accountField, uintField } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';
import { restOrigin } from '../../origin';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const BATCH_MAX = 500;
const BATCH_CONCURRENCY = 20;
/** get_c2c_unread_msg_num: at most 10 Peer_Account. */
const UNREAD_PEERS_MAX = 10;


/** 1:1 messages over REST (v4/openim/*): sending, importing, history, recall, modify, read and unread. */
@Injectable()
export class C2cCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get chat() {
    return this.clients.service<chatV1.ChatServiceClient>('chat');
  }

  onModuleInit(): void {
    this.registry.register(
      { path: 'openim/sendmsg', handle: (ctx, body) => this.sendmsg(ctx, body) },
      { path: 'openim/batchsendmsg', handle: (ctx, body) => this.batchsendmsg(ctx, body) },
      { path: 'openim/admin_getroammsg', handle: (ctx, body) => this.getroammsg(ctx, body) },
      { path: 'openim/admin_msgwithdraw', handle: (ctx, body) => this.withdraw(ctx, body) },
      { path: 'openim/importmsg', handle: (ctx, body) => this.importmsg(ctx, body) },
      { path: 'openim/modify_c2c_msg', handle: (ctx, body) => this.modify(ctx, body) },
      { path: 'openim/admin_set_msg_read', handle: (ctx, body) => this.setRead(ctx, body) },
      { path: 'openim/get_c2c_unread_msg_num', handle: (ctx, body) => this.unread(ctx, body) },
    );
  }

  /** History migration: no callbacks; de-duplicated on (MsgSeq, MsgRandom, MsgTimeStamp). */
  private async importmsg(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const mode = uintField(body, 'SyncFromOldSystem', ErrorCode.INVALID_PARAMETER, { required: true })!;
    const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
    const to = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
    const seq = uintField(body, 'MsgSeq', ErrorCode.INVALID_PARAMETER) ?? Math.floor(Math.random() * 0xffffffff);
    const random = uintField(body, 'MsgRandom', ErrorCode.MSG_RANDOM_INVALID, { required: true })!;
    const time = uintField(body, 'MsgTimeStamp', ErrorCode.INVALID_PARAMETER, { required: true })!;
    const cloud = body['CloudCustomData'];
    if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
    validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
    await this.chat.importMessage({
      sdkAppId: ctx.sdkAppId,
      fromAccount: from,
      toAccount: to,
      msgSeq: seq,
      msgRandom: random,
      msgTime: String(time),
      msgBody: Buffer.from(JSON.stringify(body['MsgBody'])),
      cloudCustomData: (cloud as string | undefined) ?? '',
      syncFromOldSystem: mode,
    });
    return {};
  }

  /** Overwrites a stored message's MsgBody and/or CloudCustomData. */
  private async modify(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
    const to = accountField(body, ['To_Account'], ErrorCode.INVALID_PARAMETER);
    const key = body['MsgKey'];
    if (typeof key !== 'string' || !key) throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is required');
    const cloud = body['CloudCustomData'];
    if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
    if (body['MsgBody'] === undefined && cloud === undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgBody or CloudCustomData is required');
    if (body['MsgBody'] !== undefined) validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
    await this.chat.modifyMessage({
      sdkAppId: ctx.sdkAppId,
      fromAccount: from,
      toAccount: to,
      msgKey: key,
      msgBody: body['MsgBody'] === undefined ? undefined : Buffer.from(JSON.stringify(body['MsgBody'])),
      cloudCustomData: cloud as string | undefined,
    });
    return {};
  }

  /** Report_Account has read everything Peer_Account sent up to MsgReadTime (default: now). */
  private async setRead(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const reporter = accountField(body, ['Report_Account'], ErrorCode.INVALID_PARAMETER);
    const peer = accountField(body, ['Peer_Account'], ErrorCode.INVALID_PARAMETER);
    const raw = body['MsgReadTime'];
    let readTime = 0;
    if (raw !== undefined) {
      // Tencent documents a string of unix seconds; numbers are accepted too.
      readTime = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : -1;
      if (readTime < 0 || readTime > 0xffffffff) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgReadTime must be unix seconds');
    }
    await this.requireExisting(ctx, [reporter, peer]);
    await this.chat.reportRead({ sdkAppId: ctx.sdkAppId, account: reporter, peer, readSeq: '0', readTime: String(readTime), loginId: '', origin: restOrigin(ctx) });
    return {};
  }

  /** Unread 1:1 messages of To_Account: the total, and per peer for up to 10 Peer_Account. */
  private async unread(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const owner = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
    const peersRaw = body['Peer_Account'];
    if (peersRaw !== undefined && !Array.isArray(peersRaw)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Peer_Account must be an array');
    const peersIn = (peersRaw as unknown[] | undefined) ?? [];
    if (peersIn.length > UNREAD_PEERS_MAX) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `at most ${UNREAD_PEERS_MAX} Peer_Account`);
    const errors: { Peer_Account: string; ErrorCode: number }[] = [];
    const peers: string[] = [];
    for (const p of peersIn) {
      if (typeof p !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'Peer_Account entries must be strings');
      if (isValidUserId(p)) peers.push(p);
      else errors.push({ Peer_Account: p, ErrorCode: ErrorCode.INVALID_PARAMETER });
    }
    await this.requireExisting(ctx, [owner]);
    const res = await this.chat.getUnread({ sdkAppId: ctx.sdkAppId, account: owner, peers });
    return {
      AllC2CUnreadMsgNum: res.total,
      ...(peersIn.length ? { C2CUnreadMsgNumList: res.peers.map((p) => ({ Peer_Account: p.peer, C2CUnreadMsgNum: p.unread })) } : {}),
      ...(errors.length ? { ErrorList: errors } : {}),
    };
  }

  private async requireExisting(ctx: RestContext, userIds: string[]): Promise<void> {
    const found = await existingAccounts(this.clients, ctx.sdkAppId, userIds);
    const missing = userIds.find((u) => !found.has(u));
    if (missing !== undefined) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `account ${missing} does not exist`);
  }

  private async sendmsg(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const to = accountField(body, ['To_Account'], ErrorCode.TO_ACCOUNT_MISSING);
    const res = await this.chat.sendMessage(this.sendRequest(ctx, body, to));
    return { MsgTime: Number(res.msgTime), MsgKey: res.msgKey, MsgSeq: Number(res.msgSeq) };
  }

  /**
   * The same message to up to 500 accounts, each in its own conversation. Errors are per
   * recipient in ErrorList; the top-level code is 0 when at least one was sent.
   */
  private async batchsendmsg(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const list = body['To_Account'];
    if (!Array.isArray(list) || list.length === 0) throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account must be a non-empty array');
    if (list.length > BATCH_MAX) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `at most ${BATCH_MAX} recipients`);
    if (!list.every((t) => typeof t === 'string')) throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'To_Account entries must be strings');
    const recipients = [...new Set(list as string[])];
    // A malformed account fails the request before anything is sent, wherever it stands in the list.
    const malformed = recipients.find((t) => !isValidUserId(t));
    if (malformed !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${malformed} is not a valid account`);
    // Validate the shared fields once (against the first recipient) before sending anything.
    this.sendRequest(ctx, body, recipients[0]!);
    const errors: { To_Account: string; ErrorCode: number }[] = [];
    let msgKey = '';
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(BATCH_CONCURRENCY, recipients.length) }, async () => {
        while (next < recipients.length) {
          const to = recipients[next++]!;
          try {
            // Callbacks: batch sends trigger none (Tencent).
            const res = await this.chat.sendMessage({ ...this.sendRequest(ctx, body, to), noCallbacks: true });
            msgKey ||= res.msgKey;
          } catch (err) {
            const code = MeridianError.is(err) ? err.code : ErrorCode.INTERNAL;
            // A refusal of the message itself is the same for everyone: fail the request.
            if (code === ErrorCode.MSG_BODY_NOT_ARRAY || code === ErrorCode.MSG_ELEMENT_INVALID || code === ErrorCode.MSG_TOO_LONG_REST) throw err;
            errors.push({ To_Account: to, ErrorCode: code });
          }
        }
      }),
    );
    if (errors.length === recipients.length) throw new MeridianError(errors[0]!.ErrorCode, 'the message was sent to no one');
    return { MsgKey: msgKey, ...(errors.length ? { ErrorList: errors } : {}) };
  }

  private sendRequest(ctx: RestContext, body: JsonObject, to: string): chatV1.SendMessageRequest {
    const from = body['From_Account'] === undefined ? ctx.identifier : accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
    if (!isValidUserId(to)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${to} is not a valid account`);
    const random = uintField(body, 'MsgRandom', ErrorCode.MSG_RANDOM_INVALID, { required: true })!;
    const lifeTime = uintField(body, 'MsgLifeTime', ErrorCode.MSG_LIFETIME_INVALID, { max: 604_800 });
    const sync = uintField(body, 'SyncOtherMachine', ErrorCode.INVALID_PARAMETER, { max: 2 }) ?? 0;
    const cloud = body['CloudCustomData'];
    if (cloud !== undefined && typeof cloud !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'CloudCustomData must be a string');
    const offline = body['OfflinePushInfo'];
    if (offline !== undefined && !isObject(offline)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'OfflinePushInfo must be an object');
    const control = body['SendMsgControl'];
    if (control !== undefined && (!Array.isArray(control) || !control.every((c) => typeof c === 'string'))) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'SendMsgControl must be an array of strings');
    }
    validateMsgBody(body['MsgBody'], ErrorCode.MSG_TOO_LONG_REST);
    const forbid = body['ForbidCallbackControl'];
    if (forbid !== undefined && (!Array.isArray(forbid) || !forbid.every((c) => typeof c === 'string'))) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ForbidCallbackControl must be an array of strings');
    }
    return {
      sdkAppId: ctx.sdkAppId,
      fromAccount: from,
      toAccount: to,
      msgRandom: random,
      msgBody: Buffer.from(JSON.stringify(body['MsgBody'] ?? null)),
      cloudCustomData: (cloud as string | undefined) ?? '',
      msgLifeTime: lifeTime ?? -1,
      syncOtherMachine: sync,
      offlinePushInfo: Buffer.from(offline ? JSON.stringify(offline) : ''),
      fromLoginId: '',
      sendMsgControl: (control as string[] | undefined) ?? [],
      noCallbacks: false,
      forbidCallbackControl: (forbid as string[] | undefined) ?? [],
      origin: restOrigin(ctx),
    };
  }

  /** Recall any C2C message, no time limit (Tencent: irreversible; both parties are told). */
  private async withdraw(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = accountField(body, ['From_Account'], ErrorCode.INVALID_PARAMETER);
    const to = accountField(body, ['To_Account'], ErrorCode.INVALID_PARAMETER);
    const key = body['MsgKey'];
    if (typeof key !== 'string') throw new MeridianError(ErrorCode.MSG_KEY_INVALID, 'MsgKey is required');
    await this.chat.recallMessage({ sdkAppId: ctx.sdkAppId, fromAccount: from, toAccount: to, msgKey: key, byAdmin: true, operatorAccount: '', origin: restOrigin(ctx) });
    return {};
  }

  /** History of one conversation as one party sees it, newest first within [MinTime, MaxTime]. */
  private async getroammsg(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const operator = accountField(body, ['Operator_Account', 'From_Account'], ErrorCode.INVALID_PARAMETER);
    const peer = accountField(body, ['Peer_Account', 'To_Account'], ErrorCode.INVALID_PARAMETER);
    const maxCnt = uintField(body, 'MaxCnt', ErrorCode.INVALID_PARAMETER, { required: true, max: 100 })!;
    const minTime = uintField(body, 'MinTime', ErrorCode.INVALID_PARAMETER, { required: true })!;
    const maxTime = uintField(body, 'MaxTime', ErrorCode.INVALID_PARAMETER, { required: true })!;
    if (minTime > maxTime) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MinTime is after MaxTime');
    const lastKey = body['LastMsgKey'];
    if (lastKey !== undefined && typeof lastKey !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'LastMsgKey must be a string');
    let beforeSeq = lastKey ? Number(lastKey.split('_')[0]) : 0;
    if (lastKey && !(beforeSeq > 0)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'LastMsgKey is not a message key');
    const out: chatV1.StoredMessage[] = [];
    let complete = true;
    // Page backwards by seq (which follows time) until MaxCnt messages inside the window.
    for (;;) {
      const page = await this.chat.getMessages({ sdkAppId: ctx.sdkAppId, account: operator, peer, afterSeq: '0', limit: 100, beforeSeq: String(beforeSeq || Number.MAX_SAFE_INTEGER) });
      for (const m of page.messages) {
        const t = Number(m.msgTime);
        if (t > maxTime) continue;
        if (t < minTime) break;
        if (out.length === maxCnt) {
          complete = false;
          break;
        }
        out.push(m);
      }
      const oldest = page.messages[page.messages.length - 1];
      if (!complete || page.complete || !oldest || Number(oldest.msgTime) < minTime) break;
      beforeSeq = Number(oldest.msgSeq);
    }
    const last = out[out.length - 1];
    return {
      Complete: complete ? 1 : 0,
      MsgCnt: out.length,
      LastMsgTime: last ? Number(last.msgTime) : 0,
      LastMsgKey: last?.msgKey ?? '',
      MsgList: out.map((m) => ({
        From_Account: m.fromAccount,
        To_Account: m.toAccount,
        MsgSeq: Number(m.msgSeq),
        MsgRandom: m.msgRandom,
        MsgTimeStamp: Number(m.msgTime),
        MsgFlagBits: m.msgFlagBits,
        IsPeerRead: m.isPeerRead,
        MsgKey: m.msgKey,
        MsgBody: JSON.parse(Buffer.from(m.msgBody).toString('utf8')) as unknown,
        CloudCustomData: m.cloudCustomData,
      })),
    };
  }
}
