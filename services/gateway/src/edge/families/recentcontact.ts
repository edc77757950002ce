import { ErrorCode, MeridianError, c2cPeerSchema, parseTencent, recentContactDeleteSchema, recentContactListSchema } from '@meridian/contracts';
import type { chatV1, groupV1 } from '@meridian/proto';
import { callRow, rpc, runRow, type EdgeCall, type EdgeRow } from '../edge-command';
import { callerOf } from './groups-typed';

const chatRpc = rpc<chatV1.ChatServiceClient>('chat');
const chat = (c: EdgeCall) => c.deps.clients.service<chatV1.ChatServiceClient>('chat', c.homeRegion);
const group = (c: EdgeCall) => c.deps.clients.service<groupV1.GroupServiceClient>('group', c.homeRegion);

/** Conversation lists over REST: v4/recentcontact/get_list and delete. */
export const RECENTCONTACT_COMMANDS: EdgeRow[] = [
  callRow({
    rest: 'recentcontact/get_list',
    schema: recentContactListSchema,
    doc: '`From_Account`, `TimeStamp`, `StartIndex`, `TopTimeStamp`, `TopStartIndex` (0 for the first page), `AssistFlags` (bit 0 pinned first, bit 1 empty conversations too) → `SessionItem:[{Type, To_Account \\| GroupId, MsgTime, TopFlag}]`, `CompleteFlag` and the next cursors; 100 per page, the 100 most recent conversations',
    call: chatRpc('listConversations'),
    request: (c, i) => ({
      sdkAppId: c.sdkAppId,
      account: i.From_Account,
      timeStamp: String(i.TimeStamp ?? 0),
      startIndex: i.StartIndex ?? 0,
      topTimeStamp: String(i.TopTimeStamp ?? 0),
      topStartIndex: i.TopStartIndex ?? 0,
      assistFlags: i.AssistFlags ?? 0,
      limit: 0,
      withLastMessage: false,
    }),
    answer: (res) => ({
      SessionItem: res.conversations.map((c) => ({ Type: c.type, ...(c.type === 2 ? { GroupId: c.peer } : { To_Account: c.peer }), MsgTime: Number(c.msgTime), TopFlag: c.pinned ? 1 : 0 })),
      CompleteFlag: res.complete ? 1 : 0,
      TimeStamp: Number(res.timeStamp),
      StartIndex: res.startIndex,
      TopTimeStamp: Number(res.topTimeStamp),
      TopStartIndex: res.topStartIndex,
    }),
  }),
  runRow({
    rest: 'recentcontact/delete',
    service: 'chat',
    schema: recentContactDeleteSchema,
    // `type` is what some clients send; ToGroupid is Tencent's spelling of ToGroupId.
    aliases: { type: 'Type', ToGroupId: 'ToGroupid' },
    doc: "`From_Account`, `Type` (1 C2C, 2 group; also read as `type`), `To_Account` or `ToGroupid` (also `ToGroupId`), `ClearRamble?` (1 also hides the history from this user, and for a group counts it read; the group's other members keep theirs); the next message brings the conversation back",
    run: async (c, i) => {
      let peer: string;
      if (i.Type === 1) peer = parseTencent(c2cPeerSchema, { To_Account: i.To_Account }).To_Account;
      else if (typeof i.ToGroupid !== 'string' || !i.ToGroupid || Buffer.byteLength(i.ToGroupid) > 48) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'ToGroupid is required');
      else peer = i.ToGroupid;
      await chat(c).deleteConversation({ sdkAppId: c.sdkAppId, account: i.From_Account, type: i.Type!, peer, clearHistory: i.ClearRamble });
      // A group's messages are the group service's: it hides them from this member.
      if (i.Type === 2 && i.ClearRamble) await group(c).clearMemberHistory({ caller: callerOf(c), groupId: peer, memberAccount: i.From_Account });
      return {};
    },
  }),
];
