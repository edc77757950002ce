import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { chatV1 } from '@meridian/proto';
import { accountField, uintField } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';

/** Conversation lists over REST: v4/recentcontact/get_list and delete. */
@Injectable()
export class RecentContactCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get chat() {
    return this.clients.service<chatV1.ChatServiceClient>('chat');
  }

  onModuleInit(): void {
    this.registry.register(
      { path: 'recentcontact/get_list', handle: (ctx, body) => this.getList(ctx, body) },
      { path: 'recentcontact/delete', handle: (ctx, body) => this.delete(ctx, body) },
    );
  }

  /** One page of From_Account's conversations, pinned first when AssistFlags bit 0 is set. */
  private async getList(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const owner = accountField(body, ['From_Account']);
    const res = await this.chat.listConversations({
      sdkAppId: ctx.sdkAppId,
      account: owner,
      timeStamp: String((uintField(body, 'TimeStamp') ?? 0)),
      startIndex: (uintField(body, 'StartIndex') ?? 0),
      topTimeStamp: String((uintField(body, 'TopTimeStamp') ?? 0)),
      topStartIndex: (uintField(body, 'TopStartIndex') ?? 0),
      assistFlags: (uintField(body, 'AssistFlags') ?? 0),
      limit: 0,
      withLastMessage: false,
    });
    return {
      SessionItem: res.conversations.map((c) => ({
        Type: c.type,
        ...(c.type === 2 ? { GroupId: c.peer } : { To_Account: c.peer }),
        MsgTime: Number(c.msgTime),
        TopFlag: c.pinned ? 1 : 0,
      })),
      CompleteFlag: res.complete ? 1 : 0,
      TimeStamp: Number(res.timeStamp),
      StartIndex: res.startIndex,
      TopTimeStamp: Number(res.topTimeStamp),
      TopStartIndex: res.topStartIndex,
    };
  }

  /** Removes a conversation from From_Account's list; ClearRamble 1 also hides its history from them. */
  private async delete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const owner = accountField(body, ['From_Account']);
    const type = body['Type'];
    if (type !== 1 && type !== 2) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Type must be 1 (C2C) or 2 (group)');
    let peer: string;
    if (type === 1) {
      peer = accountField(body, ['To_Account']);
    } else {
      // Tencent spells it ToGroupid; the conventional casing is accepted too.
      const g = body['ToGroupid'] ?? body['ToGroupId'];
      if (typeof g !== 'string' || !g || Buffer.byteLength(g) > 48) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ToGroupid is required');
      peer = g;
    }
    const clear = body['ClearRamble'];
    if (clear !== undefined && clear !== 0 && clear !== 1) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ClearRamble must be 0 or 1');
    await this.chat.deleteConversation({ sdkAppId: ctx.sdkAppId, account: owner, type, peer, clearHistory: clear === 1 });
    return {};
  }
}
