/**
 * The deviations a published third-party Tencent REST SDK found when pointed at Meridian (issue
 * #19), each fixed at the edge table and checked here on the real platform: Status beside State,
 * null optional fields, ReqMsgSeq 0 for the newest, the field variants clients send or read.
 */
import { TestWsClient, createTestApp, eventually, rest, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];

describe('Tencent SDK deviations at the edge', () => {
  let app: TestApp;
  let groupId: string;
  const r = async (command: string, body: unknown) => (await rest(SG, command, app, body)).body;

  beforeAll(async () => {
    app = await createTestApp();
    expect(await r('im_open_login_svc/multiaccount_import', { Accounts: ['dv1', 'dv2', 'dv3'] })).toMatchObject({ ErrorCode: 0 });
    const created = await r('group_open_http_svc/create_group', { Owner_Account: 'dv1', Type: 'Public', Name: 'deviations', MemberList: [{ Member_Account: 'dv2' }] });
    expect(created).toMatchObject({ ErrorCode: 0 });
    groupId = created['GroupId'] as string;
  });

  it('query_online_status answers Status beside State (current SDKs read Status)', async () => {
    const res = await r('openim/query_online_status', { To_Account: ['dv1'] });
    expect(res['QueryResult']).toEqual([{ To_Account: 'dv1', Status: 'Offline', State: 'Offline' }]);
  });

  it('null optional fields are absent: get_group_member_info filters, im_push condition lists, account_import Nick', async () => {
    const members = await r('group_open_http_svc/get_group_member_info', { GroupId: groupId, AppDefinedDataFilter_GroupMember: null, MemberInfoFilter: null, MemberRoleFilter: null });
    expect(members).toMatchObject({ ErrorCode: 0, MemberNum: 2 });
    const pushed = await r('all_member_push/im_push', { MsgRandom: 7, MsgBody: text('all'), Condition: { TagsAnd: null, TagsOr: ['vip'], AttrsAnd: null, AttrsOr: null }, OfflinePushInfo: null });
    expect(pushed).toMatchObject({ ErrorCode: 0, TaskId: expect.any(String) });
    expect(await r('im_open_login_svc/account_import', { UserID: 'dv4', Nick: null, FaceUrl: null })).toMatchObject({ ErrorCode: 0 });
    // A null required field is still missing.
    expect(await r('im_open_login_svc/account_import', { UserID: null })).toMatchObject({ ErrorCode: 70402 });
  });

  it('null in a WebSocket body is absent too (group.get_group_member_info)', async () => {
    const ws = await TestWsClient.connect(SG);
    try {
      expect((await ws.login({ sdkAppId: app.sdkAppId, userId: 'dv2', userSig: app.sig('dv2'), platform: 'Web' })).code).toBe(0);
      const res = await ws.request('req', { cmd: 'group.get_group_member_info', body: { GroupId: groupId, AppDefinedDataFilter_GroupMember: null } });
      expect(res.code).toBe(0);
    } finally {
      ws.close();
    }
  });

  it('group_msg_get_simple with ReqMsgSeq 0 answers the newest messages', async () => {
    expect(await r('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: 'dv1', Random: 11, MsgBody: text('first') })).toMatchObject({ ErrorCode: 0 });
    expect(await r('group_open_http_svc/send_group_msg', { GroupId: groupId, From_Account: 'dv2', Random: 12, MsgBody: text('second') })).toMatchObject({ ErrorCode: 0 });
    const res = await r('group_open_http_svc/group_msg_get_simple', { GroupId: groupId, ReqMsgNumber: 20, ReqMsgSeq: 0 });
    expect((res['RspMsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('second'), text('first')]);
  });

  it('get_group_info answers ShutUpAllMember (the old name clients read) beside MuteAllMember', async () => {
    expect(await r('group_open_http_svc/modify_group_base_info', { GroupId: groupId, MuteAllMember: 'On' })).toMatchObject({ ErrorCode: 0 });
    const [info] = (await r('group_open_http_svc/get_group_info', { GroupIdList: [groupId] }))['GroupInfo'] as Record<string, unknown>[];
    expect(info).toMatchObject({ MuteAllMember: 'On', ShutUpAllMember: 'On' });
    await r('group_open_http_svc/modify_group_base_info', { GroupId: groupId, MuteAllMember: 'Off' });
  });

  it('recentcontact/delete reads `type` as Type', async () => {
    expect(await r('openim/sendmsg', { From_Account: 'dv1', To_Account: 'dv3', MsgRandom: 21, MsgBody: text('hi') })).toMatchObject({ ErrorCode: 0 });
    const list = async () =>
      ((await r('recentcontact/get_list', { From_Account: 'dv3', TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0, AssistFlags: 7 }))['SessionItem'] as { To_Account?: string }[]).map(
        (s) => s.To_Account,
      );
    // The conversation list follows the message by event.
    expect(await eventually(async () => (await list()).includes('dv1'))).toBe(true);
    expect(await r('recentcontact/delete', { From_Account: 'dv3', type: 1, To_Account: 'dv1' })).toMatchObject({ ErrorCode: 0 });
    expect(await list()).not.toContain('dv1');
  });

  it('push attributes and tags sent as Attrs / Tags are read as UserAttrs / UserTags', async () => {
    expect(await r('all_member_push/im_set_attr_name', { AttrNames: { '0': 'level' } })).toMatchObject({ ErrorCode: 0 });
    expect(await r('all_member_push/im_set_attr', { Attrs: [{ To_Account: 'dv1', Attrs: { level: 'gold' } }] })).toMatchObject({ ErrorCode: 0 });
    expect((await r('all_member_push/im_get_attr', { To_Account: ['dv1'] }))['UserAttrs']).toEqual([{ To_Account: 'dv1', Attrs: { level: 'gold' } }]);
    expect(await r('all_member_push/im_add_tag', { Tags: [{ To_Account: 'dv1', Tags: ['vip'] }] })).toMatchObject({ ErrorCode: 0 });
    expect((await r('all_member_push/im_get_tag', { To_Account: ['dv1'] }))['UserTags']).toEqual([{ To_Account: 'dv1', Tags: ['vip'] }]);
    expect(await r('all_member_push/im_remove_tag', { Tags: [{ To_Account: 'dv1', Tags: ['vip'] }] })).toMatchObject({ ErrorCode: 0 });
    expect((await r('all_member_push/im_get_tag', { To_Account: ['dv1'] }))['UserTags']).toEqual([{ To_Account: 'dv1', Tags: [] }]);
  });

  it('admin_getroammsg pages by message time: an imported hour-old message holding the highest seq hides no live one', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const [i, t] of ['live one', 'live two'].entries())
      expect(await r('openim/sendmsg', { From_Account: 'dv1', To_Account: 'dv2', MsgRandom: 31 + i, MsgBody: text(t) })).toMatchObject({ ErrorCode: 0 });
    expect(await r('openim/importmsg', { SyncFromOldSystem: 2, From_Account: 'dv2', To_Account: 'dv1', MsgRandom: 41, MsgTimeStamp: now - 3600, MsgBody: text('imported') })).toMatchObject({
      ErrorCode: 0,
    });
    const window = { Operator_Account: 'dv1', Peer_Account: 'dv2', MinTime: now - 60, MaxTime: now + 60 };
    const all = await r('openim/admin_getroammsg', { ...window, MaxCnt: 100 });
    expect(all).toMatchObject({ ErrorCode: 0, Complete: 1, MsgCnt: 2 });
    expect((all['MsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('live two'), text('live one')]);
    // The documented continuation: MaxTime = LastMsgTime with LastMsgKey.
    const first = await r('openim/admin_getroammsg', { ...window, MaxCnt: 1 });
    expect(first).toMatchObject({ Complete: 0, MsgCnt: 1 });
    const next = await r('openim/admin_getroammsg', { ...window, MaxCnt: 1, MaxTime: first['LastMsgTime'], LastMsgKey: first['LastMsgKey'] });
    expect((next['MsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('live one')]);
    // The hour-old message is found in its own window.
    const old = await r('openim/admin_getroammsg', { ...window, MinTime: now - 3700, MaxTime: now - 3500, MaxCnt: 10 });
    expect((old['MsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('imported')]);
  });
});
