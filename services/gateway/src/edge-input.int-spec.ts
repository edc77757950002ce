/**
 * Input that once took a shared service down (issue #17, items 1 and 3), on the real platform:
 * lone surrogates and NUL are refused at the edge with the command's parameter code; gRPC status
 * details stay encodable when a service echoes such input anyway; keys like `__proto__` find
 * nothing in a rule table. After each, the home region's chat and group still answer.
 */
import type { groupV1 } from '@meridian/proto';
import { ErrorCode } from '@meridian/contracts';
import { TestWsClient, createTestApp, rest, serviceHttpUrl, testClients, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
const LONE = '\ud800';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

describe('edge input that once crashed services', () => {
  let app: TestApp;
  let ws: TestWsClient;
  const pids: Record<string, number> = {};

  /** The process id behind a service's HTTP port: a restart would change it. */
  const pidOf = async (service: 'chat' | 'group' | 'auth') => {
    const metrics = await (await fetch(`${serviceHttpUrl(SG, service)}/metrics`)).text();
    return Number(/meridian_process_start_time_seconds\{[^}]*\} ([0-9.e+]+)/.exec(metrics)?.[1]);
  };

  beforeAll(async () => {
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['eu1', 'eu2'] });
    ws = await TestWsClient.connect(SG);
    expect((await ws.login({ sdkAppId: app.sdkAppId, userId: 'eu1', userSig: app.sig('eu1'), platform: 'Web' })).code).toBe(0);
    for (const s of ['chat', 'group', 'auth'] as const) pids[s] = await pidOf(s);
    expect(Object.values(pids).every((p) => p > 0)).toBe(true);
  });

  afterAll(() => ws.close());

  afterEach(async () => {
    // Nothing restarted: the same processes answer.
    for (const s of ['chat', 'group', 'auth'] as const) {
      expect((await fetch(`${serviceHttpUrl(SG, s)}/healthz`)).status).toBe(200);
      expect(await pidOf(s)).toBe(pids[s]);
    }
  });

  it('WebSocket: a lone surrogate GroupId gets 10004 and group keeps serving', async () => {
    const res = await ws.request('req', { cmd: 'group.get_group_member_info', body: { GroupId: LONE } });
    expect(res.code).toBe(10004);
    expect(res.info).toContain('body.GroupId');
    expect(res.info).toContain('lone UTF-16 surrogate');
    const ok = await ws.request('req', { cmd: 'group.get_joined_group_list', body: {} });
    expect(ok.code).toBe(0);
  });

  it('WebSocket: a lone surrogate MsgType and a NUL text get 70402 and chat keeps serving', async () => {
    const bad = await ws.request('req', { cmd: 'chat.send', body: { To_Account: 'eu2', MsgRandom: 1, MsgBody: [{ MsgType: LONE, MsgContent: { Text: 'x' } }] } });
    expect(bad.code).toBe(ErrorCode.INVALID_PARAMETER);
    const nul = await ws.request('req', { cmd: 'chat.send', body: { To_Account: 'eu2', MsgRandom: 2, MsgBody: text('a\u0000b') } });
    expect(nul.code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(nul.info).toContain('NUL');
    const fine = await ws.request('req', { cmd: 'chat.send', body: { To_Account: 'eu2', MsgRandom: 3, MsgBody: text('fine 😀') } });
    expect(fine.code).toBe(0);
  });

  it('WebSocket: a lone surrogate in a login field is refused before auth is asked', async () => {
    const other = await TestWsClient.connect(SG);
    other.send({ v: 1, t: 'login', id: 1, body: { sdkAppId: app.sdkAppId, userId: `eu${LONE}`, userSig: app.sig('eu2'), platform: 'Web' } });
    const res = await other.waitFor((f) => (f.t === 'error' || f.t === 'res') && f.id === 1);
    other.close();
    expect([res.t, res.code]).toEqual(['error', ErrorCode.INVALID_PARAMETER]);
    expect(res.info).toContain('login.userId');
  });

  it('REST: each service answers with its own parameter code, and nothing is stored', async () => {
    const group = await rest(SG, 'group_open_http_svc/get_group_member_info', app, { GroupId: LONE });
    expect([group.body.ErrorCode, group.body.ActionStatus]).toEqual([10004, 'FAIL']);
    const send = await rest(SG, 'openim/sendmsg', app, { From_Account: 'eu1', To_Account: 'eu2', MsgRandom: 7, MsgBody: text(`x${LONE}`) });
    expect(send.body.ErrorCode).toBe(ErrorCode.INVALID_PARAMETER);
    const key = await rest(SG, 'profile/portrait_set', app, { From_Account: 'eu1', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'n', [`k${LONE}`]: 1 }] });
    expect(key.body.ErrorCode).toBe(ErrorCode.PROFILE_INVALID_PARAMETER);
    expect(key.body.ErrorInfo).toContain('a key of body.ProfileItem[0]');
    const sns = await rest(SG, 'sns/friend_add', app, { From_Account: 'eu1', AddFriendItem: [{ To_Account: 'eu2', Remark: '\u0000' }] });
    expect(sns.body.ErrorCode).toBe(ErrorCode.SNS_INVALID_PARAMETER);
    const nul = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'eu1', Type: 'Public', Name: 'a\u0000' });
    expect(nul.body.ErrorCode).toBe(10004);
    // The refused send stored nothing between eu1 and eu2 (the WS send above is the only message).
    const roam = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'eu1', Peer_Account: 'eu2', MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 });
    expect((roam.body['MsgList'] as unknown[]).length).toBe(1);
  });

  it('gRPC: a service that echoes malformed input still answers with an encodable status', async () => {
    // Past the edge on purpose: the group service itself gets the lone surrogate.
    const group = testClients(SG).service<groupV1.GroupServiceClient>('group', SG);
    const call = group.execute({
      sdkAppId: app.sdkAppId,
      command: 'get_group_member_info',
      operator: app.admin,
      operatorIsAdmin: true,
      bodyJson: Buffer.from(JSON.stringify({ GroupId: `@TGS#${LONE}${'x'.repeat(2000)}` })),
      loginId: '',
      gatewayAddress: '',
      origin: undefined,
      gatewayRegion: '',
    });
    await expect(call).rejects.toMatchObject({ code: expect.any(Number) });
    const err = (await call.catch((e: Error) => e)) as Error;
    expect(err.message.length).toBeLessThan(1000);
  });

  it('`__proto__`, `constructor` and `toString` find nothing in rule tables', async () => {
    for (const Type of ['__proto__', 'constructor', 'toString']) {
      const res = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'eu1', Type, Name: 'x' });
      expect({ Type, code: res.body.ErrorCode }).toEqual({ Type, code: 10004 });
    }
    for (const MsgType of ['__proto__', 'constructor', 'toString']) {
      const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'eu1', To_Account: 'eu2', MsgRandom: 9, MsgBody: [{ MsgType, MsgContent: {} }] });
      expect({ MsgType, code: res.body.ErrorCode }).toEqual({ MsgType, code: ErrorCode.MSG_ELEMENT_INVALID });
    }
    const wsRes = await ws.request('req', { cmd: 'group.create_group', body: { Type: '__proto__', Name: 'x' } });
    expect(wsRes.code).toBe(10004);
    const friends = await rest(SG, 'sns/friend_get_list', app, { From_Account: 'eu1', To_Account: ['eu2'], TagList: ['constructor', '__proto__', 'Tag_SNS_IM_Remark'] });
    expect(friends.body.ErrorCode).not.toBe(ErrorCode.INTERNAL);
  });
});
