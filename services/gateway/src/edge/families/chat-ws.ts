import { ErrorCode, MeridianError } from '@meridian/contracts';
import type { chatV1 } from '@meridian/proto';
import { legacyWsRows } from '../legacy-body';

/** A stored message as clients see it (docs/protocol.md). */
function clientMessage(m: chatV1.StoredMessage) {
  return {
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
    IsPeerRead: m.isPeerRead,
  };
}

const str = (body: Record<string, unknown>, k: string): string => {
  const v = body[k];
  if (typeof v !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${k} is required`);
  return v;
};
const num = (body: Record<string, unknown>, k: string): number => {
  const v = body[k];
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${k} must be a non-negative integer`);
  return v;
};

/**
 * 1:1 chat for clients (docs/protocol.md): `chat.send`, `chat.sync`, `chat.recall`, `chat.read`,
 * `chat.unread`, `chat.conversations`, `chat.conversation_delete`, `chat.conversation_pin`.
 */
export const CHAT_WS_COMMANDS = legacyWsRows('chat', 'docs/protocol.md, 1:1 chat', [
  {
    cmd: 'chat.send',
    handle: async ({ session, clients, origin }, body) => {
      const to = body['To_Account'];
      const random = body['MsgRandom'];
      if (typeof to !== 'string') throw new MeridianError(ErrorCode.TO_ACCOUNT_MISSING, 'To_Account is required');
      if (typeof random !== 'number') throw new MeridianError(ErrorCode.MSG_RANDOM_INVALID, 'MsgRandom is required');
      const life = body['MsgLifeTime'];
      const res = await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).sendMessage({
        origin,
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
        sendMsgControl: Array.isArray(body['SendMsgControl']) ? (body['SendMsgControl'] as unknown[]).filter((c): c is string => typeof c === 'string') : [],
        noCallbacks: false,
        forbidCallbackControl: [],
      });
      return { MsgSeq: Number(res.msgSeq), MsgTime: Number(res.msgTime), MsgKey: res.msgKey, ConversationId: res.conversationId, Duplicate: res.duplicate };
    },
  },
  {
    cmd: 'chat.recall',
    handle: async ({ session, clients, origin }, body) => {
      const peer = body['peer'];
      const key = body['MsgKey'];
      if (typeof peer !== 'string' || typeof key !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'peer and MsgKey are required');
      await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).recallMessage({
        origin,
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
    handle: async ({ session, clients }, body) => {
      const res = await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).getMessages({
        sdkAppId: session.sdkAppId,
        account: session.userId,
        peer: str(body, 'peer'),
        afterSeq: String(num(body, 'afterSeq')),
        beforeSeq: String(num(body, 'beforeSeq')),
        maxTime: '0',
        minTime: '0',
        limit: num(body, 'limit') || 20,
      });
      return { messages: res.messages.map(clientMessage), lastSeq: Number(res.lastSeq), complete: res.complete };
    },
  },
  {
    cmd: 'chat.read',
    handle: async ({ session, clients, origin }, body) => {
      const res = await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).reportRead({
        origin,
        sdkAppId: session.sdkAppId,
        account: session.userId,
        peer: str(body, 'peer'),
        readSeq: String(num(body, 'MsgSeq')),
        readTime: '0',
        loginId: session.loginId,
      });
      return { MsgReadSeq: Number(res.readSeq), UnreadMsgNum: res.unread };
    },
  },
  {
    cmd: 'chat.unread',
    handle: async ({ session, clients }, body) => {
      const peers = body['peers'] ?? [];
      if (!Array.isArray(peers) || peers.length > 100 || !peers.every((p) => typeof p === 'string')) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'peers must be up to 100 account ids');
      const res = await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).getUnread({ sdkAppId: session.sdkAppId, account: session.userId, peers: peers as string[] });
      return { total: res.total, peers: Object.fromEntries(res.peers.map((p) => [p.peer, p.unread])) };
    },
  },
  {
    cmd: 'chat.conversations',
    handle: async ({ session, clients }, body) => {
      const res = await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).listConversations({
        sdkAppId: session.sdkAppId,
        account: session.userId,
        timeStamp: String(num(body, 'TimeStamp')),
        startIndex: num(body, 'StartIndex'),
        topTimeStamp: String(num(body, 'TopTimeStamp')),
        topStartIndex: num(body, 'TopStartIndex'),
        assistFlags: body['AssistFlags'] === undefined ? 7 : num(body, 'AssistFlags'),
        limit: num(body, 'limit'),
        withLastMessage: true,
      });
      return {
        conversations: res.conversations.map((c) => ({
          type: c.type,
          peer: c.peer,
          msgTime: Number(c.msgTime),
          pinned: c.pinned,
          unread: c.unread,
          lastSeq: Number(c.lastSeq),
          readSeq: Number(c.readSeq),
          peerReadSeq: Number(c.peerReadSeq),
          lastMessage: c.lastMessage ? clientMessage(c.lastMessage) : null,
        })),
        complete: res.complete,
        TimeStamp: Number(res.timeStamp),
        StartIndex: res.startIndex,
        TopTimeStamp: Number(res.topTimeStamp),
        TopStartIndex: res.topStartIndex,
      };
    },
  },
  {
    cmd: 'chat.conversation_delete',
    handle: async ({ session, clients }, body) => {
      await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).deleteConversation({
        sdkAppId: session.sdkAppId,
        account: session.userId,
        type: num(body, 'type') || 1,
        peer: str(body, 'peer'),
        clearHistory: body['clearHistory'] === true,
      });
      return {};
    },
  },
  {
    cmd: 'chat.conversation_pin',
    handle: async ({ session, clients }, body) => {
      await clients.service<chatV1.ChatServiceClient>('chat', session.homeRegion).pinConversation({
        sdkAppId: session.sdkAppId,
        account: session.userId,
        type: num(body, 'type') || 1,
        peer: str(body, 'peer'),
        pinned: body['pinned'] !== false,
      });
      return {};
    },
  },
]);
