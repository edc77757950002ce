/**
 * recentcontact/delete with ClearRamble 1 for a group (issue #20): the group's history up to now
 * is hidden from that member (as for a 1:1 conversation) and counts as read; the other members
 * keep theirs, and later messages are seen as usual.
 */
import type { authV1 } from '@meridian/proto';
import { TestWsClient, createTestApp, rest, type TestApp } from '@meridian/testing';
import { GroupMembersService } from './group-members.service';

const SG = 'ap-singapore';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 70_000;

describe(`${GroupMembersService.name} clearHistory (ClearRamble)`, () => {
  let app: TestApp;
  let group: string;
  const clients = new Map<string, TestWsClient>();
  const r = async (command: string, body: Record<string, unknown>) => (await rest(SG, command, app, body)).body;
  const ws = async (user: string, command: string, body: Record<string, unknown>) => {
    let c = clients.get(user);
    if (!c) {
      c = await TestWsClient.connect(SG);
      expect((await c.login({ sdkAppId: app.sdkAppId, userId: user, userSig: app.sig(user), platform: 'Web' })).code).toBe(0);
      clients.set(user, c);
    }
    return c.request('req', { cmd: `group.${command}`, body });
  };
  /** The texts a member's client reads of the group's history, newest first. */
  const history = async (user: string) => {
    const res = await ws(user, 'group_msg_get_simple', { GroupId: group, ReqMsgNumber: 20 });
    expect(res.code).toBe(0);
    return (res.body as { RspMsgList: { MsgBody: { MsgContent: { Text?: string } }[] }[] }).RspMsgList.map((m) => m.MsgBody[0]!.MsgContent.Text);
  };
  const unread = async (user: string) => {
    const res = await r('group_open_http_svc/get_joined_group_list', { Member_Account: user, ResponseFilter: { SelfInfoFilter: ['UnreadMsgNum'] } });
    return (res['GroupIdList'] as { GroupId: string; SelfInfo: { UnreadMsgNum: number } }[]).find((g) => g.GroupId === group)!.SelfInfo.UnreadMsgNum;
  };
  const send = async (t: string) => expect(await r('group_open_http_svc/send_group_msg', { GroupId: group, From_Account: 'cown', Random: ++random, MsgBody: text(t) })).toMatchObject({ ErrorCode: 0 });

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await r('im_open_login_svc/multiaccount_import', { Accounts: ['cown', 'cmem', 'ckeep', 'cout'] });
    const created = await r('group_open_http_svc/create_group', { Owner_Account: 'cown', Type: 'Public', Name: 'ramble', MemberList: [{ Member_Account: 'cmem' }, { Member_Account: 'ckeep' }] });
    expect(created).toMatchObject({ ErrorCode: 0 });
    group = created['GroupId'] as string;
    await send('one');
    await send('two');
  });

  afterAll(() => {
    for (const c of clients.values()) c.close();
  });

  it('refuses a bad body and changes nothing', async () => {
    expect(await r('recentcontact/delete', { From_Account: 'cmem', Type: 2, ToGroupid: group, ClearRamble: 2 })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70402 });
    expect(await r('recentcontact/delete', { From_Account: 'cmem', Type: 2, ClearRamble: 1 })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70402 });
    expect(await r('recentcontact/delete', { From_Account: 7, Type: 2, ToGroupid: group, ClearRamble: 1 })).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 60015 });
    expect(await history('cmem')).toEqual(['two', 'one']);
    expect(await unread('cmem')).toBe(2);
  });

  it('hides the history up to now from that member only, counts it read, and shows later messages', async () => {
    const c = clients.get('cmem')!;
    const before = c.frames.length;
    expect(await r('recentcontact/delete', { From_Account: 'cmem', Type: 2, ToGroupid: group, ClearRamble: 1 })).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect(await history('cmem')).toEqual([]);
    expect(await unread('cmem')).toBe(0);
    // The member's devices hear that the group is read.
    expect((await c.waitFor((f) => c.frames.indexOf(f) >= before && f.kind === 'group_read')).body).toMatchObject({ GroupId: group });
    // The others keep the history; the admin reads it all.
    expect(await history('ckeep')).toEqual(['two', 'one']);
    expect(await unread('ckeep')).toBe(2);
    expect(((await r('group_open_http_svc/group_msg_get_simple', { GroupId: group, ReqMsgNumber: 20 }))['RspMsgList'] as unknown[]).length).toBe(2);
    await send('three');
    expect(await history('cmem')).toEqual(['three']);
    expect(await unread('cmem')).toBe(1);
  });

  it('is no error for a user who is not a member (the conversation delete succeeds), and hides nothing from the members', async () => {
    expect(await r('recentcontact/delete', { From_Account: 'cout', Type: 2, ToGroupid: group, ClearRamble: 1 })).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect(await r('recentcontact/delete', { From_Account: 'cout', Type: 2, ToGroupid: 'no-such-group', ClearRamble: 1 })).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect(await history('ckeep')).toEqual(['three', 'two', 'one']);
    // Without ClearRamble the history stays.
    expect(await r('recentcontact/delete', { From_Account: 'ckeep', Type: 2, ToGroupid: group })).toMatchObject({ ErrorCode: 0 });
    expect(await history('ckeep')).toEqual(['three', 'two', 'one']);
  });
});
