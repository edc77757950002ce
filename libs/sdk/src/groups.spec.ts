import { Deduplicator } from './dedup';
import { groupFromWire, groupProfileToWire, historyAfter, memberFromWire, type HistoryPage } from './groups';
import { TYPES, draft, elements, fromGroupWire, groupConversationID, groupSystemNotice, parseConversationID } from './messages';

const text = (t: string) => [elements.text({ text: t })];

describe('group messages and conversations', () => {
  it('names group conversations GROUP<groupID> and parses both kinds', () => {
    expect(groupConversationID('@TGS#2ABCDEFGH')).toBe('GROUP@TGS#2ABCDEFGH');
    expect(parseConversationID('GROUP@TGS#2ABCDEFGH')).toEqual({ type: 'GROUP', id: '@TGS#2ABCDEFGH' });
    expect(parseConversationID('C2Cbob')).toEqual({ type: 'C2C', id: 'bob' });
    expect(() => parseConversationID('GROUP')).toThrow();
  });

  it('drafts a group message whose ID the receivers compute the same from the push', () => {
    const m = draft('alice', { to: 'team', conversationType: 'GROUP', payload: {} }, elements.text({ text: 'hi' }), () => 0.5);
    expect(m).toMatchObject({ conversationID: 'GROUPteam', conversationType: 'GROUP', to: 'team', flow: 'out', status: 'unSend' });
    const pushed = fromGroupWire('bob', 'team', { GroupId: 'team', MsgSeq: 7, From_Account: 'alice', Random: m.random, MsgTime: 100, MsgBody: text('hi') } as never);
    expect(pushed).toMatchObject({ ID: m.ID, conversationID: 'GROUPteam', flow: 'in', sequence: 7, time: 100, payload: { text: 'hi' } });
    const stored = fromGroupWire('alice', 'team', { MsgSeq: 7, From_Account: 'alice', MsgRandom: m.random, MsgTimeStamp: 100, MsgBody: [], IsPlaceMsg: 2 });
    expect(stored).toMatchObject({ ID: m.ID, flow: 'out', isRevoked: true });
  });

  it('turns tips into TIMGroupTipElem messages and system pushes into @TIM#SYSTEM notices', () => {
    const tip = fromGroupWire('bob', 'team', {
      MsgSeq: 3,
      MsgTime: 5,
      MsgBody: [{ MsgType: 'TIMGroupTipElem', MsgContent: { OpType: 6, Operator_Account: 'alice', MemberList: [], Changes: { Name: 'New', MuteAllMember: 'On', GroupId: 'x' } } }],
    });
    expect(tip).toMatchObject({ type: TYPES.MSG_GRP_TIP, from: 'alice', flow: 'in', sequence: 3 });
    expect(tip.payload).toEqual({ operationType: 6, operatorID: 'alice', userIDList: [], newGroupProfile: { name: 'New', muteAllMembers: true } });
    const own = fromGroupWire('alice', 'team', { MsgSeq: 4, MsgTime: 5, MsgBody: [{ MsgType: 'TIMGroupTipElem', MsgContent: { OpType: 1, Operator_Account: 'alice', MemberList: ['alice'] } }] });
    expect(own.flow).toBe('in');
    const notice = groupSystemNotice({ GroupId: 'team', Type: 1, Operator_Account: 'carol', ApplyMsg: 'let me in' }, 9, 'd1');
    expect(notice).toMatchObject({ conversationID: '@TIM#SYSTEM', type: TYPES.MSG_GRP_SYS_NOTICE, to: 'team', time: 9 });
    expect(notice.payload).toMatchObject({ operationType: 1, groupProfile: { groupID: 'team' }, operatorID: 'carol', handleMessage: 'let me in' });
  });

  it('maps Tencent group and member fields, keeping what a partial answer lacks', () => {
    const g = groupFromWire({ GroupId: 'team', Type: 'Public', Name: 'Team', NextMsgSeq: 11, MuteAllMember: 'Off', SelfInfo: { Role: 'Owner', UnreadMsgNum: 2 } });
    expect(g).toMatchObject({ groupID: 'team', type: 'Public', name: 'Team', nextMessageSeq: 11, muteAllMembers: false, selfInfo: { role: 'Owner', unreadCount: 2 } });
    expect(groupFromWire({ GroupId: 'team', MemberNum: 3 }, g)).toMatchObject({ name: 'Team', memberCount: 3, selfInfo: { role: 'Owner' } });
    expect(memberFromWire({ Member_Account: 'bob', Role: 'Admin', MuteUntil: 99, MsgFlag: 'AcceptAndNotify' })).toMatchObject({ userID: 'bob', role: 'Admin', muteUntil: 99, messageRemindType: 'AcceptAndNotify' });
    expect(groupProfileToWire({ name: 'n', avatar: 'a', muteAllMembers: true, joinOption: 'FreeAccess' })).toEqual({ Name: 'n', FaceUrl: 'a', MuteAllMember: 'On', ApplyJoinOption: 'FreeAccess' });
  });

  it('collects what was stored after a seq by paging newest-first history down by ReqMsgSeq', async () => {
    const stored = Array.from({ length: 45 }, (_, i) => ({ MsgSeq: i + 1, MsgBody: [] }));
    const asked: (number | undefined)[] = [];
    const fetch = async (req: number | undefined): Promise<HistoryPage> => {
      asked.push(req);
      const top = req ?? 45;
      const page = stored.filter((m) => m.MsgSeq <= top).reverse().slice(0, 20);
      return { RspMsgList: page, IsFinished: page.at(-1)?.MsgSeq === 1 ? 1 : 0 };
    };
    expect((await historyAfter(fetch, 12)).map((m) => m.MsgSeq)).toEqual(Array.from({ length: 33 }, (_, i) => i + 13));
    expect(asked).toEqual([undefined, 25]);
    asked.length = 0;
    expect((await historyAfter(fetch, 45)).length).toBe(0);
    expect(asked).toEqual([undefined]);
    expect((await historyAfter(fetch, 0)).length).toBe(45);
  });

  it('de-duplicates group messages by (group, seq) across push, sync and own send, and moves the group cursor', () => {
    const d = new Deduplicator();
    const id = groupConversationID('team');
    d.baseline(id, 4);
    expect(d.firstMessage(id, 5)).toBe(true);
    d.advance(id, 5);
    expect(d.firstMessage(id, 5)).toBe(false);
    expect(d.firstMessage(groupConversationID('other'), 5)).toBe(true);
    expect(d.cursor(id)).toBe(5);
    // A live (AVChatRoom) push seen twice through two paths: its did is the key.
    expect(d.firstDelivery('live:abc')).toBe(true);
    expect(d.firstDelivery('live:abc')).toBe(false);
  });
});
