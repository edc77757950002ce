import { Backend, TestWsClient, closeTestClients, configureCallbacks, createTestApp, eventually, rest, type Received, type TestApp } from '@meridian/testing';
import { AfterService } from './after/after.service';

const SG = 'ap-singapore';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const word = (r: Received) => (r.body['MsgBody'] as { MsgContent: { Text: string } }[] | undefined)?.[0]?.MsgContent.Text;
/** A loopback address of our own (another client machine), so ClientIP can be checked exactly. */
const WS_ADDRESS = '127.0.0.9';
const LOOPBACK = /^(::ffff:)?127\.0\.0\.1$/;
let random = 700_000;

/**
 * Who did what, in the callbacks (issue 20): the origin of every request — platform, client
 * address, operator — reaches the before- and after-callbacks it causes, and the callbacks that
 * depend on it (Admin_Account, ForceFlag, Operator_Account) say what Tencent's say.
 */
describe(`${AfterService.name} origins`, () => {
  const backend = new Backend();
  let app: TestApp;
  let ws: TestWsClient;

  // After-callbacks wait for the consumer group: a rebalance (another spec's extra callback
  // instance joining or dying) can hold them for its session timeout.
  const one = async (command: string, match: (r: Received) => boolean): Promise<Received> => {
    await eventually(() => backend.of(app.sdkAppId, command).some(match), 45_000);
    return backend.of(app.sdkAppId, command).find(match)!;
  };

  beforeAll(async () => {
    await backend.start();
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ann', 'ben', 'cat', 'dan', 'eve'] });
    await configureCallbacks(app, backend);
    ws = await TestWsClient.connect(SG, { localAddress: WS_ADDRESS });
    expect((await ws.login({ sdkAppId: app.sdkAppId, userId: 'eve', userSig: app.sig('eve'), platform: 'Web' })).code).toBe(0);
  });

  afterAll(async () => {
    ws.close();
    await backend.stop();
    closeTestClients();
  });

  beforeEach(() => {
    backend.answer = () => ({ json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
  });

  it('C2C.CallbackBeforeSendMsg carries the MsgSeq and MsgKey the message is stored with; a vetoed one leaves its seq unused', async () => {
    backend.answer = (r) => (r.query['CallbackCommand'] === 'C2C.CallbackBeforeSendMsg' && word(r) === 'veto' ? { json: { ErrorCode: 1 } } : { json: { ErrorCode: 0 } });
    const send = (t: string) => rest(SG, 'openim/sendmsg', app, { From_Account: 'ann', To_Account: 'ben', MsgRandom: ++random, MsgBody: text(t) });
    const first = await send('first');
    expect(first.body).toMatchObject({ ErrorCode: 0, MsgSeq: 1 });
    const before = await one('C2C.CallbackBeforeSendMsg', (r) => word(r) === 'first');
    expect(before.body).toMatchObject({ From_Account: 'ann', To_Account: 'ben', MsgSeq: 1, MsgKey: first.body['MsgKey'], MsgTime: first.body['MsgTime'], MsgRandom: random });
    expect(before.query).toMatchObject({ OptPlatform: 'RESTAPI' });
    expect(before.query['ClientIP']).toMatch(LOOPBACK);

    expect((await send('veto')).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 20006 });
    const vetoed = await one('C2C.CallbackBeforeSendMsg', (r) => word(r) === 'veto');
    expect(vetoed.body['MsgSeq']).toBe(2);
    const third = await send('third');
    // The vetoed message's seq is a hole: the next message takes the one after it.
    expect(third.body).toMatchObject({ ErrorCode: 0, MsgSeq: 3 });
    expect((await one('C2C.CallbackBeforeSendMsg', (r) => word(r) === 'third')).body).toMatchObject({ MsgSeq: 3, MsgKey: third.body['MsgKey'] });
    const roam = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'ann', Peer_Account: 'ben', MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 });
    expect((roam.body['MsgList'] as { MsgSeq: number }[]).map((m) => m.MsgSeq).sort()).toEqual([1, 3]);

    const after = await one('C2C.CallbackAfterSendMsg', (r) => word(r) === 'first');
    expect(after.query).toMatchObject({ OptPlatform: 'RESTAPI' });
    expect(after.query['ClientIP']).toMatch(LOOPBACK);
    expect(after.body).toMatchObject({ MsgSeq: 1, MsgKey: first.body['MsgKey'] });
  });

  it('a client send says its platform and address, before and after', async () => {
    const res = await ws.request('req', { cmd: 'chat.send', body: { To_Account: 'ann', MsgRandom: ++random, MsgBody: text('from the web') } });
    expect(res.code).toBe(0);
    for (const command of ['C2C.CallbackBeforeSendMsg', 'C2C.CallbackAfterSendMsg']) {
      const r = await one(command, (x) => word(x) === 'from the web');
      expect({ command, OptPlatform: r.query['OptPlatform'], ClientIP: r.query['ClientIP'] }).toEqual({ command, OptPlatform: 'Web', ClientIP: expect.stringContaining(WS_ADDRESS) });
      expect(r.body).toMatchObject({ From_Account: 'eve', To_Account: 'ann', MsgSeq: (res.body as { MsgSeq: number }).MsgSeq });
    }
  });

  it('Group.CallbackAfterSendMsg: Operator_Account is the admin who sent on behalf of a member, OptPlatform RESTAPI', async () => {
    const GroupId = (await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'origins', MemberList: [{ Member_Account: 'ben' }] })).body['GroupId'] as string;
    const sent = await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId, From_Account: 'ben', Random: ++random, MsgBody: text('on behalf') });
    expect(sent.body).toMatchObject({ ErrorCode: 0 });
    const before = await one('Group.CallbackBeforeSendMsg', (r) => word(r) === 'on behalf');
    const after = await one('Group.CallbackAfterSendMsg', (r) => word(r) === 'on behalf');
    for (const r of [before, after]) {
      expect(r.query).toMatchObject({ OptPlatform: 'RESTAPI' });
      expect(r.query['ClientIP']).toMatch(LOOPBACK);
      expect(r.body).toMatchObject({ GroupId, From_Account: 'ben', Operator_Account: app.admin });
    }
    expect(after.body['MsgSeq']).toBe(sent.body['MsgSeq']);
    const created = await one('Group.CallbackAfterCreateGroup', (r) => r.body['GroupId'] === GroupId);
    expect(created.query).toMatchObject({ OptPlatform: 'RESTAPI' });
  });

  it('Sns.CallbackFriendAdd after a REST force-add names the admin with ForceFlag 1; a client add names none', async () => {
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'cat', AddFriendItem: [{ To_Account: 'dan', AddSource: 'AddSource_Type_Rest' }], ForceAddFlags: 1 })).body).toMatchObject({ ErrorCode: 0 });
    const forced = await one('Sns.CallbackFriendAdd', (r) => JSON.stringify(r.body['PairList']).includes('"From_Account":"cat"'));
    expect(forced.query).toMatchObject({ OptPlatform: 'RESTAPI' });
    expect(forced.query['ClientIP']).toMatch(LOOPBACK);
    expect(forced.body).toMatchObject({ Admin_Account: app.admin, ForceFlag: 1, ClientCmd: 'friend_add', PairList: expect.arrayContaining([{ From_Account: 'cat', To_Account: 'dan', Initiator_Account: 'cat' }]) });

    // eve (Web) adds dan, whose AllowType is unset (NeedConfirm): dan agrees over REST.
    await rest(SG, 'profile/portrait_set', app, { From_Account: 'dan', ProfileItem: [{ Tag: 'Tag_Profile_IM_AllowType', Value: 'AllowType_Type_AllowAny' }] });
    const added = await ws.request('req', { cmd: 'friend.add', body: { items: [{ userId: 'dan', addSource: 'AddSource_Type_Web' }] } });
    expect(added.code).toBe(0);
    const byClient = await one('Sns.CallbackFriendAdd', (r) => JSON.stringify(r.body['PairList']).includes('"From_Account":"eve"'));
    expect(byClient.query).toMatchObject({ OptPlatform: 'Web', ClientIP: expect.stringContaining(WS_ADDRESS) });
    expect(byClient.body).toMatchObject({ Admin_Account: '', ForceFlag: 0 });
  });

  it('Profile.CallbackPortraitSet names who set it; blacklist changes say RESTAPI', async () => {
    await rest(SG, 'profile/portrait_set', app, { From_Account: 'ben', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ben' }] });
    const byAdmin = await one('Profile.CallbackPortraitSet', (r) => r.body['From_Account'] === 'ben');
    expect(byAdmin.query).toMatchObject({ OptPlatform: 'RESTAPI' });
    expect(byAdmin.body).toMatchObject({ Operator_Account: app.admin, From_Account: 'ben', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ben' }] });
    expect((await ws.request('req', { cmd: 'profile.set', body: { items: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Eve' }] } })).code).toBe(0);
    const bySelf = await one('Profile.CallbackPortraitSet', (r) => r.body['From_Account'] === 'eve');
    expect(bySelf.query).toMatchObject({ OptPlatform: 'Web', ClientIP: expect.stringContaining(WS_ADDRESS) });
    expect(bySelf.body).toMatchObject({ Operator_Account: 'eve' });

    await rest(SG, 'sns/black_list_add', app, { From_Account: 'ann', To_Account: ['cat'] });
    const black = await one('Sns.CallbackBlackListAdd', (r) => JSON.stringify(r.body['PairList']) === JSON.stringify([{ From_Account: 'ann', To_Account: 'cat' }]));
    expect(black.query).toMatchObject({ OptPlatform: 'RESTAPI' });
    expect(black.query['ClientIP']).toMatch(LOOPBACK);
  });

  it('Group.CallbackAfterGroupFull when a join fills the group', async () => {
    const GroupId = (await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'small', MaxMemberCount: 3, MemberList: [{ Member_Account: 'ben' }] })).body['GroupId'] as string;
    await new Promise((r) => setTimeout(r, 1000));
    // Not full yet with 2 of 3.
    expect(backend.of(app.sdkAppId, 'Group.CallbackAfterGroupFull').filter((r) => r.body['GroupId'] === GroupId)).toEqual([]);
    expect((await rest(SG, 'group_open_http_svc/add_group_member', app, { GroupId, MemberList: [{ Member_Account: 'cat' }] })).body).toMatchObject({ ErrorCode: 0 });
    const full = await one('Group.CallbackAfterGroupFull', (r) => r.body['GroupId'] === GroupId);
    expect(full.body).toEqual({ CallbackCommand: 'Group.CallbackAfterGroupFull', GroupId, EventTime: expect.any(Number) });
    expect(full.query).toMatchObject({ OptPlatform: 'RESTAPI' });
  });

  it('Group.CallbackSendMsgException reports a refused group send with its code', async () => {
    const GroupId = (await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'closed' })).body['GroupId'] as string;
    // eve is not a member: her client send is refused.
    const refused = await ws.request('req', { cmd: 'group.send_group_msg', body: { GroupId, Random: ++random, MsgBody: text('not a member'), CloudCustomData: 'cd' } });
    expect(refused.code).toBe(10007);
    const ex = await one('Group.CallbackSendMsgException', (r) => r.body['GroupId'] === GroupId);
    expect(ex.query).toMatchObject({ OptPlatform: 'Web', ClientIP: expect.stringContaining(WS_ADDRESS) });
    expect(ex.body).toEqual({
      CallbackCommand: 'Group.CallbackSendMsgException',
      GroupId,
      Type: 'Public',
      From_Account: 'eve',
      Operator_Account: 'eve',
      Random: random,
      OnlineOnlyFlag: 0,
      MsgBody: text('not a member'),
      CloudCustomData: 'cd',
      ErrorCode: 10007,
      ErrorInfo: expect.any(String),
      EventTime: expect.any(Number),
    });
    // A send that went through reports nothing.
    expect((await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId, From_Account: 'ann', Random: ++random, MsgBody: text('fine') })).body).toMatchObject({ ErrorCode: 0 });
    await one('Group.CallbackAfterSendMsg', (r) => word(r) === 'fine');
    expect(backend.of(app.sdkAppId, 'Group.CallbackSendMsgException').filter((r) => r.body['GroupId'] === GroupId)).toHaveLength(1);
  });

  it('State.StateChange carries the address the client logged in from', async () => {
    const login = await one('State.StateChange', (r) => (r.body['Info'] as { To_Account: string }).To_Account === 'eve');
    expect(login.query).toMatchObject({ OptPlatform: 'Web', ClientIP: expect.stringContaining(WS_ADDRESS) });
  });
});
