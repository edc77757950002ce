import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { chatV1 } from '@meridian/proto';
import { WsCommandRegistry } from '../ws-command.registry';

/**
 * 1:1 chat for clients: `chat.send` {To_Account, MsgRandom, MsgBody, CloudCustomData?,
 * OfflinePushInfo?, MsgLifeTime?} → {MsgSeq, MsgTime, MsgKey, ConversationId, Duplicate};
 * `chat.sync` {peer, afterSeq?, beforeSeq?, limit?} → {messages, lastSeq, complete}.
 */
@Injectable()
export class ChatCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly registry: WsCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      {
        cmd: 'chat.send',
        handle: async ({ session }, body) => {
          const to = body['To_Account'];
          const random = body['MsgRandom'];
          if (typeof to !== 'string') throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account is required');
          if (typeof random !== 'number') throw new MeridianError(ErrorCode.MSG_RANDOM_INVALID, 'MsgRandom is required');
          const life = body['MsgLifeTime'];
          const res = await this.clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).sendMessage({
            sdkAppId: session.sdkAppId,
            fromAccount: session.userId,
            toAccount: to,
            msgRandom: random,
            msgBody: Buffer.from(JSON.stringify(body['MsgBody'] ?? null)),
            cloudCustomData: typeof body['CloudCustomData'] === 'string' ? body['CloudCustomData'] : '',
            msgLifeTime: typeof life === 'number' ? life : -1,
            syncOtherMachine: 0,
            offlinePushInfo: Buffer.from(body['OfflinePushInfo'] ? JSON.stringify(body['OfflinePushInfo']) : ''),
            fromLoginId: session.loginId,
            sendMsgControl: [],
          });
          return { MsgSeq: Number(res.msgSeq), MsgTime: Number(res.msgTime), MsgKey: res.msgKey, ConversationId: res.conversationId, Duplicate: res.duplicate };
        },
      },
      {
        cmd: 'chat.recall',
        handle: async ({ session }, body) => {
          const peer = body['peer'];
          const key = body['MsgKey'];
          if (typeof peer !== 'string' || typeof key !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'peer and MsgKey are required');
          await this.clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).recallMessage({
            sdkAppId: session.sdkAppId,
            fromAccount: session.userId,
            toAccount: peer,
            msgKey: key,
            byAdmin: false,
            operatorAccount: session.userId,
          });
          return {};
        },
      },
      {
        cmd: 'chat.sync',
        handle: async ({ session }, body) => {
          const peer = body['peer'];
          if (typeof peer !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'peer is required');
          const num = (k: string) => (typeof body[k] === 'number' ? (body[k] as number) : 0);
          const res = await this.clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).getMessages({
            sdkAppId: session.sdkAppId,
            account: session.userId,
            peer,
            afterSeq: String(num('afterSeq')),
            beforeSeq: String(num('beforeSeq')),
            limit: num('limit') || 20,
          });
          return {
            messages: res.messages.map((m) => ({
              ConversationId: m.conversationId,
              MsgSeq: Number(m.msgSeq),
              From_Account: m.fromAccount,
              To_Account: m.toAccount,
              MsgRandom: m.msgRandom,
              MsgTime: Number(m.msgTime),
              MsgKey: m.msgKey,
              MsgBody: JSON.parse(Buffer.from(m.msgBody).toString('utf8')) as unknown,
              CloudCustomData: m.cloudCustomData,
              MsgFlagBits: m.msgFlagBits,
            })),
            lastSeq: Number(res.lastSeq),
            complete: res.complete,
          };
        },
      },
    );
  }
}
