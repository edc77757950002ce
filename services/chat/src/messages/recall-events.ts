import { TOPICS, mediaUuids } from '@meridian/contracts';
import type { EventPayload } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import type { C2cMessageDoc } from './message.schema';

/**
 * What a 1:1 recall produces, in one request before it is answered: the event on the message
 * topic (after-callbacks), the recall with the message's media UUIDs on its own low-volume topic
 * (the media worker deletes the objects and reads nothing else), and both parties' notices.
 */
export function recallEvents(
  msg: Pick<C2cMessageDoc, 'from' | 'to' | 'key' | 'body'>,
  conv: string,
  seq: number,
  recall: { byAdmin: boolean; operator: string; origin?: originEventsV1.Origin },
): { topic: string; key: string; payload: EventPayload }[] {
  const recallTime = String(Math.floor(Date.now() / 1000));
  const msgSeq = String(seq);
  const notice = Buffer.from(JSON.stringify({ ConversationId: conv, MsgSeq: seq, MsgKey: msg.key, From_Account: msg.from, To_Account: msg.to }));
  return [
    {
      topic: TOPICS.c2cMessages,
      key: conv,
      payload: { c2cMessageRecalled: { conversationId: conv, msgSeq, fromAccount: msg.from, toAccount: msg.to, msgKey: msg.key, byAdmin: recall.byAdmin, recallTime, origin: recall.origin } },
    },
    {
      topic: TOPICS.c2cRecalls,
      key: conv,
      payload: {
        messagesRecalled: {
          conversationId: conv,
          messages: [{ msgSeq, fromAccount: msg.from, msgKey: msg.key, mediaUuids: mediaUuids(msg.body) }],
          operator: recall.operator,
          byAdmin: recall.byAdmin,
          recallTime,
        },
      },
    },
    {
      topic: TOPICS.deliveries,
      key: conv,
      payload: { deliveryRequested: { recipients: [msg.from, msg.to], kind: 'c2c_recall', body: notice, conversationId: conv, seq: msgSeq, excludeLoginId: '', offlinePush: Buffer.alloc(0), onlineOnlyRecipients: [] } },
    },
  ];
}
