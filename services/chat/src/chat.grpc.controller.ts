import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError, validateOfflinePushInfo } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import { chatV1 } from '@meridian/proto';
import { ConversationsService, type ConversationView } from './conversations/conversations.service';
import type { C2cMessageDoc } from './messages/message.schema';
import { MessagesService } from './messages/messages.service';

function parseBody(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    throw new MeridianError(ErrorCode.MSG_BODY_NOT_ARRAY, 'MsgBody is not JSON');
  }
}

function toStored(m: C2cMessageDoc, peerReadSeq = 0): chatV1.StoredMessage {
  return {
    conversationId: m.conversationId,
    msgSeq: String(m.seq),
    fromAccount: m.from,
    toAccount: m.to,
    msgRandom: m.random,
    msgTime: String(m.time),
    msgKey: m.key,
    msgBody: Buffer.from(m.body),
    cloudCustomData: m.cloudCustomData,
    msgFlagBits: m.recalled ? 8 : 0,
    // A message is read by its recipient when the recipient's read position reaches it.
    isPeerRead: m.seq <= peerReadSeq ? 1 : 0,
  };
}

function toConversation(v: ConversationView): chatV1.Conversation {
  return {
    type: v.type,
    peer: v.peer,
    msgTime: String(v.msgTime),
    pinned: v.pinned,
    unread: v.unread,
    lastSeq: String(v.lastSeq),
    readSeq: String(v.readSeq),
    peerReadSeq: String(v.peerReadSeq),
    lastMessage: v.lastMessage ? toStored(v.lastMessage, v.lastMessage.from === v.peer ? 0 : v.peerReadSeq) : undefined,
  };
}

@Controller()
@GrpcEndpoint()
@chatV1.ChatServiceControllerMethods()
export class ChatGrpcController implements chatV1.ChatServiceController {
  constructor(
    @Inject(MessagesService) private readonly messages: MessagesService,
    @Inject(ConversationsService) private readonly conversations: ConversationsService,
  ) {}

  async sendMessage(req: chatV1.SendMessageRequest, _metadata?: unknown, call?: { cancelled?: boolean }): Promise<chatV1.SendMessageResponse> {
    const msgBody = parseBody(req.msgBody);
    if (![0, 1, 2].includes(req.syncOtherMachine)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'SyncOtherMachine is 1 or 2');
    checkOfflinePushInfo(req.offlinePushInfo);
    const r = await this.messages.send({
      sdkAppId: req.sdkAppId,
      from: req.fromAccount,
      to: req.toAccount,
      random: req.msgRandom,
      msgBody,
      cloudCustomData: req.cloudCustomData,
      lifeTime: req.msgLifeTime < 0 ? undefined : req.msgLifeTime,
      syncOtherMachine: req.syncOtherMachine as 0 | 1 | 2,
      offlinePushInfo: Buffer.from(req.offlinePushInfo).toString('utf8'),
      fromLoginId: req.fromLoginId,
      tooLongCode: req.fromLoginId ? ErrorCode.MSG_BODY_TOO_LONG : ErrorCode.MSG_TOO_LONG_REST,
      sendMsgControl: req.sendMsgControl,
      noCallbacks: req.noCallbacks,
      forbidCallbackControl: req.forbidCallbackControl,
      origin: req.origin,
      callerGone: () => call?.cancelled === true,
    });
    return { msgSeq: String(r.msgSeq), msgTime: String(r.msgTime), msgKey: r.msgKey, conversationId: r.conversationId, duplicate: r.duplicate };
  }

  async recallMessage(req: chatV1.RecallMessageRequest): Promise<chatV1.RecallMessageResponse> {
    await this.messages.recall({
      sdkAppId: req.sdkAppId,
      from: req.fromAccount,
      to: req.toAccount,
      msgKey: req.msgKey,
      byAdmin: req.byAdmin,
      operator: req.operatorAccount,
      origin: req.origin,
    });
    return {};
  }

  async listHourMessages(req: chatV1.ListHourMessagesRequest): Promise<chatV1.ListHourMessagesResponse> {
    const r = await this.messages.hourMessages(req.sdkAppId, Number(req.hourStart), req.cursor, req.limit || 500);
    return { messages: r.messages.map((m) => toStored(m)), nextCursor: r.nextCursor, expired: r.expired };
  }

  async getMessages(req: chatV1.GetMessagesRequest): Promise<chatV1.GetMessagesResponse> {
    const r = await this.messages.history(req.sdkAppId, req.account, req.peer, {
      afterSeq: Number(req.afterSeq),
      beforeSeq: Number(req.beforeSeq) || undefined,
      maxTime: Number(req.maxTime) || undefined,
      minTime: Number(req.minTime),
      limit: req.limit || 20,
    });
    return {
      messages: r.messages.map((m) => toStored(m, m.from === req.account ? r.peerReadSeq : 0)),
      lastSeq: String(r.lastSeq),
      complete: r.complete,
    };
  }

  async importMessage(req: chatV1.ImportMessageRequest): Promise<chatV1.ImportMessageResponse> {
    const r = await this.messages.import({
      sdkAppId: req.sdkAppId,
      from: req.fromAccount,
      to: req.toAccount,
      clientSeq: req.msgSeq,
      random: req.msgRandom,
      time: Number(req.msgTime),
      msgBody: parseBody(req.msgBody),
      cloudCustomData: req.cloudCustomData,
      mode: req.syncFromOldSystem,
    });
    return { msgSeq: String(r.msgSeq), msgKey: r.msgKey, duplicate: r.duplicate };
  }

  async modifyMessage(req: chatV1.ModifyMessageRequest): Promise<chatV1.ModifyMessageResponse> {
    await this.messages.modify({
      sdkAppId: req.sdkAppId,
      from: req.fromAccount,
      to: req.toAccount,
      msgKey: req.msgKey,
      msgBody: req.msgBody === undefined ? undefined : parseBody(req.msgBody),
      cloudCustomData: req.cloudCustomData,
    });
    return {};
  }

  async reportRead(req: chatV1.ReportReadRequest): Promise<chatV1.ReportReadResponse> {
    const r = await this.conversations.reportRead({
      sdkAppId: req.sdkAppId,
      account: req.account,
      peer: req.peer,
      readSeq: Number(req.readSeq),
      readTime: Number(req.readTime),
      loginId: req.loginId,
      origin: req.origin,
    });
    return { readSeq: String(r.readSeq), unread: r.unread };
  }

  async getUnread(req: chatV1.GetUnreadRequest): Promise<chatV1.GetUnreadResponse> {
    return this.conversations.unread(req.sdkAppId, req.account, req.peers);
  }

  async listConversations(req: chatV1.ListConversationsRequest): Promise<chatV1.ListConversationsResponse> {
    const r = await this.conversations.list({
      sdkAppId: req.sdkAppId,
      account: req.account,
      timeStamp: Number(req.timeStamp),
      startIndex: req.startIndex,
      topTimeStamp: Number(req.topTimeStamp),
      topStartIndex: req.topStartIndex,
      assistFlags: req.assistFlags,
      limit: req.limit,
      withLastMessage: req.withLastMessage,
    });
    return {
      conversations: r.conversations.map(toConversation),
      complete: r.complete,
      timeStamp: String(r.timeStamp),
      startIndex: r.startIndex,
      topTimeStamp: String(r.topTimeStamp),
      topStartIndex: r.topStartIndex,
    };
  }

  async deleteConversation(req: chatV1.DeleteConversationRequest): Promise<chatV1.DeleteConversationResponse> {
    await this.conversations.delete({ sdkAppId: req.sdkAppId, account: req.account, type: req.type, peer: req.peer, clearHistory: req.clearHistory });
    return {};
  }

  async pinConversation(req: chatV1.PinConversationRequest): Promise<chatV1.PinConversationResponse> {
    await this.conversations.pin({ sdkAppId: req.sdkAppId, account: req.account, type: req.type, peer: req.peer, pinned: req.pinned });
    return {};
  }
}

/**
 * An OfflinePushInfo the push service could not use is refused (90001, Tencent's code for a field
 * of the wrong type) instead of accepted and then silently not pushed.
 */
function checkOfflinePushInfo(raw: Uint8Array): void {
  const text = Buffer.from(raw).toString('utf8');
  if (!text) return;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MeridianError(ErrorCode.JSON_FORMAT, 'OfflinePushInfo is not JSON');
  }
  const errors = validateOfflinePushInfo(json);
  if (errors.length) throw new MeridianError(ErrorCode.JSON_FORMAT, errors.join('; '));
}
