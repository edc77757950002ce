import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { authV1, type callbackV1 } from '@meridian/proto';
import {
  Backend,
  CALLBACK_TOKEN as TOKEN,
  NO_CHANGES,
  REPO_ROOT,
  TEST_LIMITS,
  TEST_NAMESPACE,
  TEST_PORT_OFFSET,
  TestWsClient,
  authClient,
  closeTestClients,
  configureCallbacks as configure,
  consumerGroupsWithout,
  createTestApp,
  eventually,
  rest,
  testClients,
  type TestApp,
} from '@meridian/testing';
import { CallbackGrpcController } from './callback.grpc.controller';

const SG = 'ap-singapore';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 900_000;

const send = (app: TestApp, from: string, to: string, body: unknown, extra: Record<string, unknown> = {}) =>
  rest(SG, 'openim/sendmsg', app, { From_Account: from, To_Account: to, MsgRandom: ++random, MsgBody: body, ...extra });

const roam = async (app: TestApp, a: string, b: string) =>
  (await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: a, Peer_Account: b, MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 })).body['MsgList'] as Record<string, unknown>[];

describe(CallbackGrpcController.name, () => {
  const backend = new Backend();
  let app: TestApp;

  beforeAll(async () => {
    await backend.start();
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ann', 'ben', 'cat', 'dan'] });
    await configure(app, backend);
  });

  afterAll(async () => {
    await backend.stop();
    closeTestClients();
  });

  beforeEach(() => {
    backend.answer = () => ({ json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
  });

  it('sends C2C before and after callbacks as Tencent does: query, Sign, body fields, event id', async () => {
    const res = await send(app, 'ann', 'ben', text('hello'), { CloudCustomData: 'cd' });
    expect(res.body).toMatchObject({ ErrorCode: 0 });
    // The before-callback is synchronous: it has arrived by the time the send is answered.
    const [before] = backend.of(app.sdkAppId, 'C2C.CallbackBeforeSendMsg');
    expect(before).toBeDefined();
    expect(before!.query).toMatchObject({ SdkAppid: String(app.sdkAppId), CallbackCommand: 'C2C.CallbackBeforeSendMsg', contenttype: 'json', OptPlatform: 'RESTAPI', fixed: '1' });
    expect(before!.query).toHaveProperty('ClientIP');
    const t = Number(before!.query['RequestTime']);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(before!.query['Sign']).toBe(createHash('sha256').update(`${TOKEN}${t}`).digest('hex'));
    expect(before!.body).toMatchObject({
      CallbackCommand: 'C2C.CallbackBeforeSendMsg',
      From_Account: 'ann',
      To_Account: 'ben',
      MsgRandom: random,
      MsgTime: expect.any(Number),
      OnlineOnlyFlag: 0,
      MsgBody: text('hello'),
      CloudCustomData: 'cd',
    });
    const [after] = await backend.waitFor(app.sdkAppId, 'C2C.CallbackAfterSendMsg');
    expect(after!.body).toEqual({
      CallbackCommand: 'C2C.CallbackAfterSendMsg',
      From_Account: 'ann',
      To_Account: 'ben',
      MsgSeq: res.body['MsgSeq'],
      MsgRandom: random,
      MsgTime: res.body['MsgTime'],
      MsgKey: res.body['MsgKey'],
      OnlineOnlyFlag: 0,
      MsgBody: text('hello'),
      CloudCustomData: 'cd',
      SendMsgResult: 0,
      ErrorInfo: 'send msg succeed',
      UnreadMsgNum: expect.any(Number),
      EventTime: expect.any(Number),
    });
    expect(after!.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('vetoes (1 → 20006, custom 120001-130000 passes through), drops (2) and modifies (MsgBody, CloudCustomData)', async () => {
    backend.answer = (r) => {
      if (r.query['CallbackCommand'] !== 'C2C.CallbackBeforeSendMsg') return { json: { ErrorCode: 0 } };
      const word = ((r.body['MsgBody'] as { MsgContent: { Text: string } }[])[0]!.MsgContent.Text);
      if (word === 'veto') return { json: { ActionStatus: 'OK', ErrorCode: 1, ErrorInfo: 'no' } };
      if (word === 'custom') return { json: { ActionStatus: 'OK', ErrorCode: 120_005, ErrorInfo: 'banned word' } };
      if (word === 'drop') return { json: { ActionStatus: 'OK', ErrorCode: 2, ErrorInfo: '' } };
      if (word === 'modify') return { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', MsgBody: text('modified'), CloudCustomData: 'by app' } };
      return { json: { ErrorCode: 0 } };
    };
    expect((await send(app, 'cat', 'dan', text('veto'))).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 20006 });
    expect((await send(app, 'cat', 'dan', text('custom'))).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 120_005, ErrorInfo: 'banned word' });
    const dropped = await send(app, 'cat', 'dan', text('drop'));
    expect(dropped.body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    const modified = await send(app, 'cat', 'dan', text('modify'));
    expect(modified.body).toMatchObject({ ErrorCode: 0 });
    const list = await roam(app, 'cat', 'dan');
    // Only the modified message was stored; rejected and dropped ones never were.
    expect(list.map((m) => m['MsgBody'])).toEqual([text('modified')]);
    expect(list[0]!['CloudCustomData']).toBe('by app');
    const after = await backend.waitFor(app.sdkAppId, 'C2C.CallbackAfterSendMsg', 2);
    const mine = after.filter((r) => r.body['From_Account'] === 'cat');
    // A rejected or dropped message has no after-callback; the modified one is seen modified.
    await new Promise((r) => setTimeout(r, 1000));
    expect(backend.of(app.sdkAppId, 'C2C.CallbackAfterSendMsg').filter((r) => r.body['From_Account'] === 'cat')).toHaveLength(1);
    expect(mine[0]!.body).toMatchObject({ MsgBody: text('modified'), CloudCustomData: 'by app', MsgKey: modified.body['MsgKey'] });
  });

  it('triggers nothing for batchsendmsg and importmsg; ForbidCallbackControl skips each side', async () => {
    const from = 'dan';
    const count = () => backend.received.filter((r) => r.body['From_Account'] === from && String(r.query['CallbackCommand']).startsWith('C2C.')).length;
    const start = count();
    expect((await rest(SG, 'openim/batchsendmsg', app, { From_Account: from, To_Account: ['ann', 'ben'], MsgRandom: ++random, MsgBody: text('batch') })).body).toMatchObject({ ErrorCode: 0 });
    expect(
      (await rest(SG, 'openim/importmsg', app, { SyncFromOldSystem: 1, From_Account: from, To_Account: 'ann', MsgRandom: ++random, MsgTimeStamp: Math.floor(Date.now() / 1000) - 10, MsgBody: text('imported') })).body,
    ).toMatchObject({ ErrorCode: 0 });
    expect((await send(app, from, 'cat', text('no before'), { ForbidCallbackControl: ['ForbidBeforeSendMsgCallback'] })).body).toMatchObject({ ErrorCode: 0 });
    expect((await send(app, from, 'cat', text('no after'), { ForbidCallbackControl: ['ForbidAfterSendMsgCallback'] })).body).toMatchObject({ ErrorCode: 0 });
    await new Promise((r) => setTimeout(r, 2500));
    const seen = backend.received.filter((r) => r.body['From_Account'] === from).slice(-10);
    expect(count() - start).toBe(2);
    // The after-callback goes out from Kafka, so it may arrive before or after the next message's before-callback.
    expect(seen.map((r) => `${String(r.query['CallbackCommand'])}:${(r.body['MsgBody'] as { MsgContent: { Text: string } }[])[0]!.MsgContent.Text}`).sort()).toEqual([
      'C2C.CallbackAfterSendMsg:no before',
      'C2C.CallbackBeforeSendMsg:no after',
    ]);
  });

  it('on a timeout delivers under the deliver policy and blocks with 80003 under the block policy', async () => {
    const slow = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', slow, { Accounts: ['sam', 'sue'] });
    backend.answer = (r) => (r.query['CallbackCommand'] === 'C2C.CallbackBeforeSendMsg' && r.query['SdkAppid'] === String(slow.sdkAppId) ? { delayMs: 1500 } : {});
    await configure(slow, backend, { commands: ['C2C.CallbackBeforeSendMsg'], timeoutMs: 300, policy: 'deliver' });
    const t0 = Date.now();
    expect((await send(slow, 'sam', 'sue', text('late'))).body).toMatchObject({ ErrorCode: 0 });
    const took = Date.now() - t0;
    expect(took).toBeLessThan(1400);
    await configure(slow, backend, { commands: ['C2C.CallbackBeforeSendMsg'], timeoutMs: 300, policy: 'block' });
    expect((await send(slow, 'sam', 'sue', text('late again'))).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 80003 });
    expect((await roam(slow, 'sam', 'sue')).map((m) => m['MsgBody'])).toEqual([text('late')]);
  });

  it('does not store a message whose sender gave up waiting for the before-callback; its retry is stored once', async () => {
    const slow = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', slow, { Accounts: ['sam', 'sue'] });
    // Slower than the send's 3 s deadline, within the app's own callback timeout.
    backend.answer = (r) => (r.query['CallbackCommand'] === 'C2C.CallbackBeforeSendMsg' && r.query['SdkAppid'] === String(slow.sdkAppId) ? { delayMs: 4000 } : {});
    await configure(slow, backend, { commands: ['C2C.CallbackBeforeSendMsg'], timeoutMs: 5000, policy: 'deliver' });
    const r = ++random;
    const msg = { From_Account: 'sam', To_Account: 'sue', MsgRandom: r, MsgBody: text('patient') };
    expect((await rest(SG, 'openim/sendmsg', slow, msg)).body).toMatchObject({ ActionStatus: 'FAIL' });
    // The callback answers at 4 s; the abandoned send must not store after that.
    await new Promise((res) => setTimeout(res, 2500));
    expect(await roam(slow, 'sam', 'sue')).toEqual([]);
    backend.answer = () => ({});
    expect((await rest(SG, 'openim/sendmsg', slow, msg)).body).toMatchObject({ ErrorCode: 0 });
    expect((await roam(slow, 'sam', 'sue')).map((m) => m['MsgBody'])).toEqual([text('patient')]);
  });

  it('does not store a group message whose sender gave up waiting for the before-callback; its retry is stored once', async () => {
    const slow = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', slow, { Accounts: ['sam', 'sue'] });
    const created = await rest(SG, 'group_open_http_svc/create_group', slow, { Owner_Account: 'sam', Type: 'Public', Name: 'patience', MemberList: [{ Member_Account: 'sue' }] });
    const GroupId = created.body['GroupId'] as string;
    backend.answer = (r) => (r.query['CallbackCommand'] === 'Group.CallbackBeforeSendMsg' && r.query['SdkAppid'] === String(slow.sdkAppId) ? { delayMs: 4000 } : {});
    await configure(slow, backend, { commands: ['Group.CallbackBeforeSendMsg'], timeoutMs: 5000, policy: 'deliver' });
    const msg = { GroupId, From_Account: 'sam', Random: ++random, MsgBody: text('patient group') };
    expect((await rest(SG, 'group_open_http_svc/send_group_msg', slow, msg)).body).toMatchObject({ ActionStatus: 'FAIL' });
    await new Promise((res) => setTimeout(res, 2500));
    const history = async () => ((await rest(SG, 'group_open_http_svc/group_msg_get_simple', slow, { GroupId, ReqMsgNumber: 20 })).body['RspMsgList'] as { MsgBody: unknown }[]).filter((m) => JSON.stringify(m.MsgBody) === JSON.stringify(text('patient group')));
    expect(await history()).toEqual([]);
    backend.answer = () => ({});
    expect((await rest(SG, 'group_open_http_svc/send_group_msg', slow, msg)).body).toMatchObject({ ErrorCode: 0 });
    expect(await history()).toHaveLength(1);
  });

  it('sends recall, read report, State.StateChange and Profile.CallbackPortraitSet', async () => {
    const sent = await send(app, 'ben', 'ann', text('to recall'));
    await rest(SG, 'openim/admin_msgwithdraw', app, { From_Account: 'ben', To_Account: 'ann', MsgKey: sent.body['MsgKey'] });
    const [recall] = await backend.waitFor(app.sdkAppId, 'C2C.CallbackAfterMsgWithDraw');
    expect(recall!.body).toEqual({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'ben', To_Account: 'ann', MsgKey: sent.body['MsgKey'], UnreadMsgNum: expect.any(Number), EventTime: expect.any(Number) });
    await send(app, 'ben', 'ann', text('to read'));
    await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 'ann', Peer_Account: 'ben' });
    const [report] = await backend.waitFor(app.sdkAppId, 'C2C.CallbackAfterMsgReport');
    expect(report!.body).toEqual({ CallbackCommand: 'C2C.CallbackAfterMsgReport', Report_Account: 'ann', Peer_Account: 'ben', LastReadTime: expect.any(Number), UnreadMsgNum: expect.any(Number), EventTime: expect.any(Number) });

    const ws = await TestWsClient.connect(SG);
    expect((await ws.login({ sdkAppId: app.sdkAppId, userId: 'cat', userSig: app.sig('cat'), platform: 'Web' })).code).toBe(0);
    const [login] = await backend.waitFor(app.sdkAppId, 'State.StateChange');
    expect(login!.query['OptPlatform']).toBe('Web');
    expect(login!.body).toEqual({ CallbackCommand: 'State.StateChange', EventTime: expect.any(Number), Info: { Action: 'Login', To_Account: 'cat', Reason: 'Register' } });
    ws.close();
    const states = await backend.waitFor(app.sdkAppId, 'State.StateChange', 2);
    expect(states[1]!.body['Info']).toMatchObject({ Action: 'Disconnect', To_Account: 'cat' });

    await rest(SG, 'profile/portrait_set', app, { From_Account: 'dan', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' }] });
    const [profile] = await backend.waitFor(app.sdkAppId, 'Profile.CallbackPortraitSet');
    expect(profile!.body).toMatchObject({ CallbackCommand: 'Profile.CallbackPortraitSet', From_Account: 'dan', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' }], EventTime: expect.any(Number) });
  });

  it('sends Sns friend add (before with per-item refusal, after) and blacklist add', async () => {
    backend.answer = (r) =>
      r.query['CallbackCommand'] === 'Sns.CallbackPrevFriendAdd'
        ? { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ResultItem: [{ To_Account: 'dan', ResultCode: 38_001, ResultInfo: 'not allowed' }] } }
        : {};
    const add = await rest(SG, 'sns/friend_add', app, { From_Account: 'ann', AddFriendItem: [{ To_Account: 'ben', AddSource: 'AddSource_Type_Test' }, { To_Account: 'dan', AddSource: 'AddSource_Type_Test' }], ForceAddFlags: 1 });
    expect(add.body['ResultItem']).toEqual([
      { To_Account: 'ben', ResultCode: 0, ResultInfo: '' },
      { To_Account: 'dan', ResultCode: 38_001, ResultInfo: 'not allowed' },
    ]);
    const [prev] = backend.of(app.sdkAppId, 'Sns.CallbackPrevFriendAdd');
    expect(prev!.body).toMatchObject({
      Requester_Account: 'ann',
      From_Account: 'ann',
      FriendItem: [expect.objectContaining({ To_Account: 'ben', AddSource: 'AddSource_Type_Test' }), expect.objectContaining({ To_Account: 'dan' })],
      AddType: 'Add_Type_Both',
      ForceAddFlags: 1,
    });
    const [after] = await backend.waitFor(app.sdkAppId, 'Sns.CallbackFriendAdd');
    expect(after!.body).toMatchObject({ CallbackCommand: 'Sns.CallbackFriendAdd', ClientCmd: 'friend_add', PairList: expect.arrayContaining([{ From_Account: 'ann', To_Account: 'ben', Initiator_Account: 'ann' }]) });
    await rest(SG, 'sns/black_list_add', app, { From_Account: 'cat', To_Account: ['dan'] });
    const [black] = await backend.waitFor(app.sdkAppId, 'Sns.CallbackBlackListAdd');
    expect(black!.body).toEqual({ CallbackCommand: 'Sns.CallbackBlackListAdd', PairList: [{ From_Account: 'cat', To_Account: 'dan' }], EventTime: expect.any(Number) });
  });

  it('sends Group create (before, after), send (before with modify, after) and member join; 10016 on a veto', async () => {
    backend.answer = (r) => {
      if (r.query['CallbackCommand'] === 'Group.CallbackBeforeSendMsg') return { json: { ErrorCode: 0, MsgBody: text('group modified') } };
      if (r.query['CallbackCommand'] === 'Group.CallbackBeforeCreateGroup' && r.body['Name'] === 'vetoed') return { json: { ErrorCode: 1 } };
      return {};
    };
    expect((await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'vetoed' })).body).toMatchObject({ ErrorCode: 10016 });
    const created = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'club', MemberList: [{ Member_Account: 'ben' }] });
    expect(created.body).toMatchObject({ ErrorCode: 0 });
    const groupId = created.body['GroupId'] as string;
    const before = backend.of(app.sdkAppId, 'Group.CallbackBeforeCreateGroup').find((r) => r.body['Name'] === 'club');
    expect(before!.body).toMatchObject({ Operator_Account: app.admin, Owner_Account: 'ann', Type: 'Public', Name: 'club', MemberList: [{ Member_Account: 'ben' }], EventTime: expect.any(Number) });
    const [after] = await backend.waitFor(app.sdkAppId, 'Group.CallbackAfterCreateGroup');
    expect(after!.body).toMatchObject({ GroupId: groupId, Type: 'Public', Name: 'club', Owner_Account: 'ann', Operator_Account: app.admin, MemberList: expect.arrayContaining([{ Member_Account: 'ann' }, { Member_Account: 'ben' }]) });

    const sent = await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId: groupId, From_Account: 'ann', Random: ++random, MsgBody: text('group hi') });
    expect(sent.body).toMatchObject({ ErrorCode: 0 });
    const [bsend] = backend.of(app.sdkAppId, 'Group.CallbackBeforeSendMsg');
    expect(bsend!.body).toMatchObject({ GroupId: groupId, Type: 'Public', From_Account: 'ann', Random: random, MsgBody: text('group hi') });
    const [asend] = await backend.waitFor(app.sdkAppId, 'Group.CallbackAfterSendMsg');
    expect(asend!.body).toMatchObject({ GroupId: groupId, Type: 'Public', From_Account: 'ann', MsgSeq: sent.body['MsgSeq'], MsgBody: text('group modified') });

    await rest(SG, 'group_open_http_svc/add_group_member', app, { GroupId: groupId, MemberList: [{ Member_Account: 'cat' }] });
    const [invite] = backend.of(app.sdkAppId, 'Group.CallbackBeforeInviteJoinGroup');
    expect(invite!.body).toMatchObject({ GroupId: groupId, Type: 'Public', DestinationMembers: [{ Member_Account: 'cat' }] });
    const [join] = await backend.waitFor(app.sdkAppId, 'Group.CallbackAfterNewMemberJoin');
    expect(join!.body).toMatchObject({ GroupId: groupId, Type: 'Public', JoinType: 'Invited', NewMemberList: [{ Member_Account: 'cat' }], EventTime: expect.any(Number) });
  });

  it('send_group_msg: ForbidCallbackControl skips each side of Group.Callback*SendMsg', async () => {
    const groupId = (await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'dan', Type: 'Public', Name: 'quiet club' })).body['GroupId'] as string;
    const texts = (command: string) => backend.of(app.sdkAppId, command).filter((r) => r.body['GroupId'] === groupId).map((r) => (r.body['MsgBody'] as { MsgContent: { Text: string } }[])[0]!.MsgContent.Text);
    const sendGroup = (t: string, ForbidCallbackControl: string[]) => rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId: groupId, From_Account: 'dan', Random: ++random, MsgBody: text(t), ForbidCallbackControl });
    expect((await sendGroup('no before', ['ForbidBeforeSendMsgCallback'])).body).toMatchObject({ ErrorCode: 0 });
    expect((await sendGroup('no after', ['ForbidAfterSendMsgCallback'])).body).toMatchObject({ ErrorCode: 0 });
    expect((await sendGroup('neither', ['ForbidBeforeSendMsgCallback', 'ForbidAfterSendMsgCallback'])).body).toMatchObject({ ErrorCode: 0 });
    expect((await sendGroup('both', [])).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId: groupId, Random: ++random, MsgBody: text('bad'), ForbidCallbackControl: 'ForbidAfterSendMsgCallback' })).body).toMatchObject({ ErrorCode: 10004 });
    await eventually(() => texts('Group.CallbackAfterSendMsg').includes('both'), 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    // (Before-callbacks run ahead of the body's validation, so the refused 'bad' one may be asked about.)
    expect(texts('Group.CallbackBeforeSendMsg').filter((t) => t !== 'bad').sort()).toEqual(['both', 'no after']);
    expect(texts('Group.CallbackAfterSendMsg').sort()).toEqual(['both', 'no before']);
  });

  it('refuses bad callback settings with 70402', async () => {
    const bad = async (patch: Partial<authV1.CallbackSettings>) =>
      authClient(SG)
        .updateApp({ sdkAppId: app.sdkAppId, ...NO_CHANGES, hasCallback: true, callback: { url: backend.url, commands: [], token: '', timeoutMs: 2000, failurePolicy: authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER, ...patch } })
        .then(
          () => 0,
          (err: { code?: number }) => err.code,
        );
    expect(await bad({ commands: ['C2C.NoSuchCommand'] })).toBe(70402);
    expect(await bad({ url: 'ftp://example.com/x' })).toBe(70402);
    expect(await bad({ timeoutMs: 50 })).toBe(70402);
    expect(await bad({ url: '', commands: ['State.StateChange'] })).toBe(70402);
  });

  it('refuses callback URLs on private addresses (70402) unless the app allows them, and checks again when they are switched off', async () => {
    const fresh = await createTestApp();
    const auth = authClient(SG);
    const set = (url: string, privateTargets?: boolean) =>
      auth
        .updateApp({
          sdkAppId: fresh.sdkAppId,
          ...NO_CHANGES,
          hasCallback: true,
          callback: { url, commands: ['State.StateChange'], token: '', timeoutMs: 2000, failurePolicy: authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_DELIVER },
          hasPrivateCallbackTargets: privateTargets !== undefined,
          allowPrivateCallbackTargets: privateTargets ?? false,
        })
        .then(
          (r) => ({ code: 0, message: '', allowed: r.app!.allowPrivateCallbackTargets }),
          (err: { code?: number; message: string }) => ({ code: err.code, message: err.message, allowed: undefined }),
        );
    for (const url of [backend.url, backend.url.replace('127.0.0.1', 'localhost'), 'http://[::1]:9/cb', 'http://[::ffff:7f00:1]:9/cb', 'http://169.254.169.254/latest', 'http://10.0.0.8/cb', 'http://100.64.1.1/cb', 'http://[fe80::1]/cb', 'http://0.0.0.0:9/cb']) {
      const r = await set(url);
      expect({ url, code: r.code }).toEqual({ url, code: 70402 });
      expect(r.message).toContain('allow private callback targets for this app');
    }
    expect((await auth.getApp({ sdkAppId: fresh.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!.callback!.url).toBe('');
    expect(await set(backend.url, true)).toMatchObject({ code: 0, allowed: true });
    // Switching the allowance off while the saved URL is private is refused; the app keeps it.
    const off = await auth.updateApp({ sdkAppId: fresh.sdkAppId, ...NO_CHANGES, hasPrivateCallbackTargets: true, allowPrivateCallbackTargets: false }).then(
      () => 0,
      (err: { code?: number }) => err.code,
    );
    expect(off).toBe(70402);
    expect((await auth.getApp({ sdkAppId: fresh.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!.allowPrivateCallbackTargets).toBe(true);
  });
});

describe('after-callbacks through an outage', () => {
  const backend = new Backend();
  let second: ChildProcess | undefined;

  beforeAll(async () => {
    await backend.start();
  });

  afterAll(async () => {
    second?.kill('SIGKILL');
    await backend.stop();
    closeTestClients();
    // The killed instance stays a member of the region's callback groups (media-variants among
    // them) until the broker's session timeout evicts it; its partitions are not consumed until
    // then, so the next test file's uploads would get no variants. Leave the groups as found.
    expect(await consumerGroupsWithout(SG, `${SG}-callback-extra`)).toBe(true);
  }, 90_000);

  it('survives the backend being down and a callback instance killed mid-retry: none lost, repeats carry the same event id', async () => {
    const app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['oli', 'pam'] });
    await configure(app, backend, { commands: ['C2C.CallbackAfterSendMsg'], timeoutMs: 300 });
    // A second callback instance of the same region (same consumer group, same retry queue).
    const env = {
      ...process.env,
      ...TEST_LIMITS,
      MERIDIAN_REGION: SG,
      MERIDIAN_TOPOLOGY: join(REPO_ROOT, 'deploy', 'topology.json'),
      MERIDIAN_NAMESPACE: TEST_NAMESPACE,
      MERIDIAN_PORT_OFFSET: String(TEST_PORT_OFFSET),
      MERIDIAN_HTTP_PORT: String(TEST_PORT_OFFSET + 7906),
      MERIDIAN_GRPC_PORT: String(TEST_PORT_OFFSET + 7916),
      MERIDIAN_INSTANCE_ID: `${SG}-callback-extra`,
      MERIDIAN_LOG_LEVEL: 'info',
    };
    second = spawn(process.execPath, [join(REPO_ROOT, 'tools', 'runtime', 'run.js'), 'dist/services/callback/src/main.js'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
    expect(await eventually(async () => (await fetch(`http://127.0.0.1:${TEST_PORT_OFFSET + 7906}/readyz`).catch(() => undefined))?.status === 200, 60_000, 250)).toBe(true);

    // The backend hangs (every call times out) while messages are sent, then goes down.
    backend.answer = () => 'hang';
    const sent: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await send(app, 'oli', 'pam', text(`m${i}`));
      sent.push(r.body['MsgKey'] as string);
    }
    await new Promise((r) => setTimeout(r, 1500));
    second.kill('SIGKILL');
    second = undefined;
    await backend.stop();
    await new Promise((r) => setTimeout(r, 5000));
    backend.answer = () => ({ json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' } });
    await backend.start(backend.port);

    const delivered = () => {
      const ok = new Map<string, Set<string>>();
      for (const r of backend.of(app.sdkAppId, 'C2C.CallbackAfterSendMsg').filter((x) => x.answered)) {
        const key = r.body['MsgKey'] as string;
        ok.set(key, (ok.get(key) ?? new Set()).add(r.eventId));
      }
      return ok;
    };
    // Whatever used up its attempts is in the dead letters: an admin replays them.
    const callback = testClients(SG).service<callbackV1.CallbackServiceClient>('callback');
    let replayed = 0;
    const all = await eventually(async () => {
      replayed += (await callback.replayDeadLetters({ sdkAppId: app.sdkAppId, limit: 0 })).replayed;
      return sent.every((k) => delivered().has(k));
    }, 30_000, 1000);
    expect(all).toBe(true);
    const got = delivered();
    // Every message reached the backend; every repeat of a message carried one and the same event id.
    for (const k of sent) expect(got.get(k)!.size).toBe(1);
    const calls = backend.of(app.sdkAppId, 'C2C.CallbackAfterSendMsg').length;
    process.stdout.write(`[callbacks] outage: ${sent.length} events, ${calls} calls received (hung ones included), ${replayed} replayed from dead letters\n`);
  }, 90_000);
});
