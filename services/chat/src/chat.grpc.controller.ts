import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcEndpoint } from '@meridian/platform';
import { chatV1 } from '@meridian/proto';
import { MessagesService } from './messages/messages.service';

@Controller()
@GrpcEndpoint()
@chatV1.ChatServiceControllerMethods()
export class ChatGrpcController implements chatV1.ChatServiceController {
  constructor(@Inject(MessagesService) private readonly messages: MessagesService) {}

  async sendMessage(req: chatV1.SendMessageRequest): Promise<chatV1.SendMessageResponse> {
    let msgBody: unknown;
    try {
      msgBody = JSON.parse(Buffer.from(req.msgBody).toString('utf8'));
    } catch {
      throw new MeridianError(ErrorCode.MSG_BODY_NOT_ARRAY, 'MsgBody is not JSON');
    }
    if (![0, 1, 2].includes(req.syncOtherMachine)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'SyncOtherMachine is 1 or 2');
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
    });
    return {};
  }

  async getMessages(req: chatV1.GetMessagesRequest): Promise<chatV1.GetMessagesResponse> {
    const r = await this.messages.history(req.sdkAppId, req.account, req.peer, {
      afterSeq: Number(req.afterSeq),
      beforeSeq: Number(req.beforeSeq) || undefined,
      limit: req.limit || 20,
    });
    return {
      messages: r.messages.map((m) => ({
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
      })),
      lastSeq: String(r.lastSeq),
      complete: r.complete,
    };
  }
}
