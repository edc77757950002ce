import type { EventEnvelope } from '@meridian/platform';
import { afterCallbacksOf, type PayloadLookups } from './after-payloads';

const lookups: PayloadLookups = { c2cUnread: () => Promise.resolve(3) };
const REST = { platform: 'RESTAPI', clientIp: '203.0.113.7', operator: 'administrator' };
const WEB = { platform: 'Web', clientIp: '198.51.100.4', operator: 'ann' };

/** An envelope with one payload (the fields the mapping reads). */
const envelope = (payload: Partial<EventEnvelope>): EventEnvelope => ({ eventId: 'e1', type: '', timeMs: '1700000000123', region: 'ap-singapore', sdkAppId: 1400000001, traceId: '', ...payload }) as EventEnvelope;

const group = (change: string, detail: Record<string, unknown>, origin = REST) =>
  envelope({ groupChanged: { groupId: 'g1', groupType: 'Public', change, operator: origin.operator, members: ['ben'], detailJson: Buffer.from(JSON.stringify(detail)), origin } });

describe(afterCallbacksOf.name, () => {
  it('puts the origin of a REST-caused event into OptPlatform and ClientIP', async () => {
    const [cb] = await afterCallbacksOf(envelope({ blacklistChanged: { fromAccount: 'ann', toAccounts: ['ben'], added: true, origin: REST } }), lookups);
    expect(cb).toMatchObject({ command: 'Sns.CallbackBlackListAdd', optPlatform: 'RESTAPI', clientIp: '203.0.113.7' });
  });

  it('falls back to Unknown without an origin (events produced before it existed)', async () => {
    const [cb] = await afterCallbacksOf(envelope({ blacklistChanged: { fromAccount: 'ann', toAccounts: ['ben'], added: false, origin: undefined } }), lookups);
    expect(cb).toMatchObject({ command: 'Sns.CallbackBlackListDelete', optPlatform: 'Unknown', clientIp: '' });
  });

  it('Sns.CallbackFriendAdd names the admin and ForceFlag 1 after a REST force-add, neither for a client add', async () => {
    const pairs = [{ fromAccount: 'ann', toAccount: 'ben' }];
    const [rest] = await afterCallbacksOf(envelope({ friendsChanged: { pairs, added: true, reason: 'Add', origin: REST, forced: true } }), lookups);
    expect(rest!.body).toMatchObject({ Admin_Account: 'administrator', ForceFlag: 1, ClientCmd: 'friend_add' });
    const [client] = await afterCallbacksOf(envelope({ friendsChanged: { pairs, added: true, reason: 'Add', origin: WEB, forced: false } }), lookups);
    expect(client!.body).toMatchObject({ Admin_Account: '', ForceFlag: 0 });
    expect(client).toMatchObject({ optPlatform: 'Web', clientIp: '198.51.100.4' });
  });

  it('Profile.CallbackPortraitSet names the identifier that made the change', async () => {
    const items = [{ tag: 'Tag_Profile_IM_Nick', valueJson: '"Ann"' }];
    const [admin] = await afterCallbacksOf(envelope({ profileChanged: { userId: 'ann', items, byAdmin: true, origin: REST } }), lookups);
    expect(admin!.body).toMatchObject({ Operator_Account: 'administrator', From_Account: 'ann' });
    const [self] = await afterCallbacksOf(envelope({ profileChanged: { userId: 'ann', items, byAdmin: false, origin: WEB } }), lookups);
    expect(self!.body).toMatchObject({ Operator_Account: 'ann' });
  });

  it('Group.CallbackAfterSendMsg: Operator_Account is the initiator, From_Account the sender', async () => {
    const [cb] = await afterCallbacksOf(
      envelope({
        groupMessageStored: { groupId: 'g1', groupType: 'Public', msgSeq: '4', fromAccount: 'ben', random: 9, msgTime: '1700000000', msgBody: Buffer.from('[]'), cloudCustomData: '', onlineOnly: false, priority: 'Normal', noCallbacks: false, origin: REST },
      }),
      lookups,
    );
    expect(cb).toMatchObject({ optPlatform: 'RESTAPI', clientIp: '203.0.113.7' });
    expect(cb!.body).toMatchObject({ From_Account: 'ben', Operator_Account: 'administrator', MsgSeq: 4 });
  });

  it('a join that fills the group adds Group.CallbackAfterGroupFull', async () => {
    const filled = await afterCallbacksOf(group('MemberJoined', { JoinType: 'Invited', GroupFull: true }), lookups);
    expect(filled.map((c) => c.command)).toEqual(['Group.CallbackAfterNewMemberJoin', 'Group.CallbackAfterGroupFull']);
    expect(filled[1]!.body).toEqual({ GroupId: 'g1', EventTime: 1700000000123 });
    expect((await afterCallbacksOf(group('MemberJoined', { JoinType: 'Invited' }), lookups)).map((c) => c.command)).toEqual(['Group.CallbackAfterNewMemberJoin']);
  });

  it('a refused group send becomes Group.CallbackSendMsgException with its code', async () => {
    const detail = { Type: 'Public', From_Account: 'ben', Random: 7, OnlineOnlyFlag: 0, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x' } }], CloudCustomData: 'c', ErrorCode: 10017, ErrorInfo: 'muted' };
    const [cb] = await afterCallbacksOf(group('SendMsgFailed', detail, WEB), lookups);
    expect(cb).toMatchObject({ command: 'Group.CallbackSendMsgException', optPlatform: 'Web', clientIp: '198.51.100.4' });
    expect(cb!.body).toEqual({ GroupId: 'g1', Type: 'Public', From_Account: 'ben', Operator_Account: 'ann', Random: 7, OnlineOnlyFlag: 0, MsgBody: detail.MsgBody, CloudCustomData: 'c', ErrorCode: 10017, ErrorInfo: 'muted', EventTime: 1700000000123 });
  });
});
