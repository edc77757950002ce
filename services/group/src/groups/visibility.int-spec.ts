/**
 * What a client that is not a member may read of a group (issue #17 item 11; reference §5):
 * a Work group not at all; a Public or Meeting group its public profile only — never the member
 * list with name cards, read positions and mute times, the muted list, roles, messages or
 * applications. Every read command is tried as a non-member and, for contrast, as a member.
 */
import type { authV1 } from '@meridian/proto';
import { TestWsClient, createTestApp, rest, type TestApp } from '@meridian/testing';

const SG = 'ap-singapore';
const NO_PERMISSION = 10007;

describe('group visibility for non-members', () => {
  let app: TestApp;
  const clients = new Map<string, TestWsClient>();
  const groups: Record<'Work' | 'Public' | 'Meeting', string> = { Work: '', Public: '', Meeting: '' };
  const ws = async (user: string, command: string, body: Record<string, unknown>) => {
    let c = clients.get(user);
    if (!c) {
      c = await TestWsClient.connect(SG);
      expect((await c.login({ sdkAppId: app.sdkAppId, userId: user, userSig: app.sig(user), platform: 'Web' })).code).toBe(0);
      clients.set(user, c);
    }
    return c.request('req', { cmd: `group.${command}`, body });
  };

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['vown', 'vmem', 'vout'] });
    for (const Type of ['Work', 'Public', 'Meeting'] as const) {
      const res = await rest(SG, 'group_open_http_svc/create_group', app, {
        Owner_Account: 'vown',
        Type,
        Name: `${Type} v`,
        Notification: 'members only notice',
        MemberList: [{ Member_Account: 'vmem' }],
      });
      expect(res.body.ErrorCode).toBe(0);
      groups[Type] = res.body['GroupId'] as string;
    }
    // A name card and a mute: exactly what a non-member must not learn.
    for (const GroupId of [groups.Public, groups.Work]) {
      await rest(SG, 'group_open_http_svc/modify_group_member_info', app, { GroupId, Member_Account: 'vmem', NameCard: 'secret card' });
    }
    expect((await rest(SG, 'group_open_http_svc/forbid_send_msg', app, { GroupId: groups.Public, Members_Account: ['vmem'], MuteTime: 600 })).body.ErrorCode).toBe(0);
  });

  afterAll(() => {
    for (const c of clients.values()) c.close();
  });

  it('a Work group answers a non-member 10007 for every read, its members normally', async () => {
    const id = groups.Work;
    const info = await ws('vout', 'get_group_info', { GroupIdList: [id] });
    expect((info.body?.['GroupInfo'] as { ErrorCode: number }[])[0]!.ErrorCode).toBe(NO_PERMISSION);
    for (const [command, body] of [
      ['get_group_member_info', { GroupId: id }],
      ['get_group_muted_account', { GroupId: id }],
      ['get_role_in_group', { GroupId: id, User_Account: ['vmem', 'vown'] }],
      ['group_msg_get_simple', { GroupId: id, ReqMsgNumber: 5 }],
      ['get_join_applications', { GroupId: id }],
    ] as const) {
      expect({ command, code: (await ws('vout', command, body)).code }).toEqual({ command, code: NO_PERMISSION });
    }
    // Members read them.
    const mine = await ws('vmem', 'get_group_info', { GroupIdList: [id] });
    expect((mine.body?.['GroupInfo'] as { MemberList?: unknown[] }[])[0]!.MemberList).toHaveLength(2);
    expect((await ws('vmem', 'get_group_muted_account', { GroupId: id })).code).toBe(0);
    expect((await ws('vmem', 'get_role_in_group', { GroupId: id, User_Account: ['vown'] })).code).toBe(0);
  });

  it.each(['Public', 'Meeting'] as const)('a %s group shows a non-member its public profile only', async (type) => {
    const id = groups[type];
    const info = await ws('vout', 'get_group_info', { GroupIdList: [id] });
    expect(info.code).toBe(0);
    const item = (info.body?.['GroupInfo'] as Record<string, unknown>[])[0]!;
    expect(item).toMatchObject({ GroupId: id, ErrorCode: 0, Name: `${type} v`, Owner_Account: 'vown', MemberNum: 2 });
    for (const hidden of ['MemberList', 'Notification', 'AppDefinedData', 'NextMsgSeq', 'LastMsgTime', 'MuteAllMember']) expect(item).not.toHaveProperty(hidden);
    expect(JSON.stringify(info.body)).not.toContain('secret card');
    // Asking for members explicitly does not help.
    const filtered = await ws('vout', 'get_group_info', { GroupIdList: [id], ResponseFilter: { MemberInfoFilter: ['NameCard', 'MuteUntil', 'MsgSeq'], GroupBaseInfoFilter: ['Notification', 'Name'] } });
    const fItem = (filtered.body?.['GroupInfo'] as Record<string, unknown>[])[0]!;
    expect(fItem).not.toHaveProperty('MemberList');
    expect(fItem).not.toHaveProperty('Notification');
    expect(fItem['Name']).toBe(`${type} v`);
    for (const [command, body] of [
      ['get_group_member_info', { GroupId: id }],
      ['get_group_muted_account', { GroupId: id }],
      ['get_role_in_group', { GroupId: id, User_Account: ['vmem'] }],
      ['group_msg_get_simple', { GroupId: id, ReqMsgNumber: 5 }],
      ['get_join_applications', { GroupId: id }],
    ] as const) {
      expect({ command, code: (await ws('vout', command, body)).code }).toEqual({ command, code: NO_PERMISSION });
    }
    // A member sees everything.
    const mine = await ws('vmem', 'get_group_info', { GroupIdList: [id] });
    const mItem = (mine.body?.['GroupInfo'] as Record<string, unknown>[])[0]!;
    expect(mItem['Notification']).toBe('members only notice');
    expect(mItem['MemberList']).toHaveLength(2);
  });

  it('the app admin (REST) still reads everything', async () => {
    const res = await rest(SG, 'group_open_http_svc/get_group_info', app, { GroupIdList: [groups.Public] });
    const item = (res.body['GroupInfo'] as Record<string, unknown>[])[0]!;
    expect(item['MemberList']).toHaveLength(2);
    expect((await rest(SG, 'group_open_http_svc/get_group_muted_account', app, { GroupId: groups.Public })).body['MutedAccountList']).toHaveLength(1);
  });
});
