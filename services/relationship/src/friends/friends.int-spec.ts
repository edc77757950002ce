import type { authV1 } from '@meridian/proto';
import { TestWsClient, closeTestClients, createTestApp, eventually, rest, type TestApp } from '@meridian/testing';
import { FriendsService } from './friends.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });

async function online(region: string, app: TestApp, userId: string, platform = 'Web'): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
  return c;
}

describe(FriendsService.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const track = (c: TestWsClient) => (clients.push(c), c);
  const users = ['al', 'bea', 'cal', 'dee', 'eli', 'fin', 'gia', 'hal'];
  const allow = (user: string, type: string) => rest(SG, 'profile/portrait_set', app, { From_Account: user, ProfileItem: [{ Tag: 'Tag_Profile_IM_AllowType', Value: type }] });
  const relation = async (a: string, b: string) =>
    ((await rest(SG, 'sns/friend_check', app, { From_Account: a, To_Account: [b], CheckType: 'CheckResult_Type_Both' })).body['InfoItem'] as { Relation: string }[])[0]!.Relation;
  const add = (from: string, to: string, extra: Record<string, unknown> = {}) =>
    rest(SG, 'sns/friend_add', app, { From_Account: from, AddFriendItem: [{ To_Account: to, AddSource: 'AddSource_Type_Test', AddWording: 'hi', ...extra }] }).then((r) => r.body);

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: users });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('adds at once when the target allows anyone; Add_Type_Both makes both sides friends and tells them', async () => {
    expect((await allow('bea', 'AllowType_Type_AllowAny')).body.ErrorCode).toBe(0);
    const bea = track(await online(FRA, app, 'bea'));
    const res = await add('al', 'bea', { Remark: 'B', GroupName: 'school' });
    expect(res).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ErrorDisplay: '', ResultItem: [{ To_Account: 'bea', ResultCode: 0, ResultInfo: '' }], Fail_Account: [] });
    expect(await relation('al', 'bea')).toBe('CheckResult_Type_BothWay');
    expect((await bea.waitFor((f) => f.t === 'push' && f.kind === 'friend_added')).body).toMatchObject({ Pairs: expect.arrayContaining([{ From_Account: 'al', To_Account: 'bea' }]) });
    // Already friends.
    expect((await add('al', 'bea')).ResultItem).toEqual([{ To_Account: 'bea', ResultCode: 30001, ResultInfo: 'Err_SNS_FriendAdd_Friend_Exist' }]);
    // Single: only the adder's list changes.
    await allow('cal', 'AllowType_Type_AllowAny');
    await rest(SG, 'sns/friend_add', app, { From_Account: 'al', AddType: 'Add_Type_Single', AddFriendItem: [{ To_Account: 'cal' }] });
    expect(await relation('al', 'cal')).toBe('CheckResult_Type_AWithB');
    expect(await relation('cal', 'al')).toBe('CheckResult_Type_BWithA');
  });

  it('needs confirmation by default: a pending request (30539) the target agrees to, agrees and adds, or rejects', async () => {
    const dee = track(await online(SG, app, 'dee'));
    const eli = track(await online(FRA, app, 'eli'));
    expect((await add('eli', 'dee')).ResultItem).toEqual([{ To_Account: 'dee', ResultCode: 30539, ResultInfo: expect.any(String) }]);
    expect((await dee.waitFor((f) => f.t === 'push' && f.kind === 'friend_request')).body).toMatchObject({ From_Account: 'eli', AddWording: 'hi' });
    expect(await relation('eli', 'dee')).toBe('CheckResult_Type_NoRelation');
    const pending = await dee.request('req', { cmd: 'friend.requests', body: {} });
    expect(pending.body).toMatchObject({ incoming: [{ userId: 'eli', addSource: 'AddSource_Type_Test', addWording: 'hi' }], outgoing: [] });
    expect((await eli.request('req', { cmd: 'friend.requests', body: {} })).body).toMatchObject({ incoming: [], outgoing: [{ userId: 'dee' }] });
    expect(await dee.request('req', { cmd: 'friend.respond', body: { userId: 'eli', action: 'Response_Action_AgreeAndAdd', remark: 'Eli' } })).toMatchObject({ code: 0 });
    expect(await relation('dee', 'eli')).toBe('CheckResult_Type_BothWay');
    expect((await dee.request('req', { cmd: 'friend.requests', body: {} })).body).toMatchObject({ incoming: [] });
    expect(await dee.request('req', { cmd: 'friend.respond', body: { userId: 'eli', action: 'Response_Action_Agree' } })).toMatchObject({ code: 30614 });

    // Agree: the requester alone gets the friend. Reject: nobody, and the requester is told.
    await add('fin', 'dee');
    await dee.request('req', { cmd: 'friend.respond', body: { userId: 'fin', action: 'Response_Action_Agree' } });
    expect(await relation('fin', 'dee')).toBe('CheckResult_Type_AWithB');
    const gia = track(await online(SG, app, 'gia'));
    await add('gia', 'dee');
    await dee.request('req', { cmd: 'friend.respond', body: { userId: 'gia', action: 'Response_Action_Reject' } });
    expect(await gia.waitFor((f) => f.t === 'push' && f.kind === 'friend_request_rejected')).toMatchObject({ body: { From_Account: 'dee' } });
    expect(await relation('gia', 'dee')).toBe('CheckResult_Type_NoRelation');
  });

  it('refuses when the target denies everyone (30516) unless an admin forces it; blacklists refuse either way', async () => {
    await allow('hal', 'AllowType_Type_DenyAny');
    expect((await add('gia', 'hal')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30516 })]);
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'gia', ForceAddFlags: 1, AddFriendItem: [{ To_Account: 'hal' }] })).body['ResultItem']).toEqual([expect.objectContaining({ ResultCode: 0 })]);
    expect(await relation('gia', 'hal')).toBe('CheckResult_Type_BothWay');

    // Blacklisting ends the friendship, and friend requests are refused from either side.
    await rest(SG, 'sns/black_list_add', app, { From_Account: 'hal', To_Account: ['gia'] });
    expect(await relation('gia', 'hal')).toBe('CheckResult_Type_NoRelation');
    expect((await add('hal', 'gia')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30515 })]);
    expect((await add('gia', 'hal')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30525 })]);
  });

  it('imports, updates, lists with sequences, reads fields by id, and keeps friend lists', async () => {
    const imp = await rest(SG, 'sns/friend_import', app, {
      From_Account: 'fin',
      AddFriendItem: [
        { To_Account: 'al', AddSource: 'AddSource_Type_Import', Remark: 'Al', GroupName: ['work'], AddTime: 1_580_000_000 },
        { To_Account: 'bea', AddSource: 'AddSource_Type_Import' },
        { To_Account: 'ghost', AddSource: 'AddSource_Type_Import' },
      ],
    });
    expect(imp.body).toMatchObject({ ErrorCode: 0, ResultItem: [{ To_Account: 'al', ResultCode: 0 }, { To_Account: 'bea', ResultCode: 0 }, { To_Account: 'ghost', ResultCode: 30003 }], Fail_Account: ['ghost'] });
    expect(await relation('fin', 'al')).toBe('CheckResult_Type_AWithB');
    expect((await rest(SG, 'sns/friend_import', app, { From_Account: 'fin', AddFriendItem: [{ To_Account: 'cal' }] })).body).toEqual(fail(30001));
    // AddTime is an integer: a string or a negative number is refused and imports nothing.
    for (const AddTime of ['1580000000', -1, 1.5]) {
      expect((await rest(SG, 'sns/friend_import', app, { From_Account: 'fin', AddFriendItem: [{ To_Account: 'cal', AddSource: 'AddSource_Type_Import', AddTime }] })).body).toEqual(fail(30001));
    }
    expect(await relation('fin', 'cal')).toBe('CheckResult_Type_NoRelation');

    const upd = await rest(SG, 'sns/friend_update', app, {
      From_Account: 'fin',
      UpdateItem: [
        { To_Account: 'bea', SnsItem: [{ Tag: 'Tag_SNS_IM_Remark', Value: 'Bea!' }, { Tag: 'Tag_SNS_IM_Group', Value: ['work', 'gym'] }] },
        { To_Account: 'hal', SnsItem: [{ Tag: 'Tag_SNS_IM_Remark', Value: 'x' }] },
      ],
    });
    expect(upd.body).toMatchObject({ ErrorCode: 0, ResultItem: [{ To_Account: 'bea', ResultCode: 0 }, { To_Account: 'hal', ResultCode: 31704 }] });

    const list = await rest(SG, 'sns/friend_get', app, { From_Account: 'fin', StartIndex: 0 });
    expect(list.body).toMatchObject({ ErrorCode: 0, FriendNum: 3, CompleteFlag: 1, NextStartIndex: 0 });
    const items = list.body['UserDataItem'] as { To_Account: string; ValueItem: { Tag: string; Value: unknown }[] }[];
    expect(items.map((i) => i.To_Account)).toEqual(['al', 'bea', 'dee']);
    expect(items[0]!.ValueItem).toContainEqual({ Tag: 'Tag_SNS_IM_AddTime', Value: 1_580_000_000 });
    expect(items[1]!.ValueItem).toEqual(
      expect.arrayContaining([
        { Tag: 'Tag_SNS_IM_Remark', Value: 'Bea!' },
        { Tag: 'Tag_SNS_IM_Group', Value: ['work', 'gym'] },
        { Tag: 'Tag_SNS_IM_AddSource', Value: 'AddSource_Type_Import' },
      ]),
    );
    const seq = list.body['StandardSequence'] as number;
    expect(seq).toBeGreaterThan(0);
    const unchanged = await rest(SG, 'sns/friend_get', app, { From_Account: 'fin', StartIndex: 0, StandardSequence: seq });
    expect((unchanged.body['UserDataItem'] as { ValueItem: unknown[] }[]).every((i) => i.ValueItem.length === 0)).toBe(true);

    await rest(SG, 'profile/portrait_set', app, { From_Account: 'al', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Alan' }] });
    const byId = await rest(SG, 'sns/friend_get_list', app, { From_Account: 'fin', To_Account: ['al', 'gia'], TagList: ['Tag_Profile_IM_Nick', 'Tag_SNS_IM_Remark'] });
    expect(byId.body).toMatchObject({
      ErrorCode: 0,
      InfoItem: [
        { To_Account: 'al', ResultCode: 0, SnsProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Alan' }, { Tag: 'Tag_SNS_IM_Remark', Value: 'Al' }] },
        { To_Account: 'gia', ResultCode: 31704 },
      ],
      Fail_Account: ['gia'],
    });

    const groups = await rest(SG, 'sns/group_get', app, { From_Account: 'fin', NeedFriend: 'Need_Friend_Type_Yes', LastSequence: 0 });
    expect(groups.body['ResultItem']).toEqual(
      expect.arrayContaining([
        { GroupName: 'work', FriendNumber: 2, To_Account: ['al', 'bea'] },
        { GroupName: 'gym', FriendNumber: 1, To_Account: ['bea'] },
      ]),
    );
    const created = await rest(SG, 'sns/group_add', app, { From_Account: 'fin', GroupName: ['family'], To_Account: ['dee', 'hal'] });
    expect(created.body).toMatchObject({ ErrorCode: 0, ResultItem: [{ To_Account: 'dee', ResultCode: 0 }, { To_Account: 'hal', ResultCode: 31704 }], Fail_Account: ['hal'] });
    expect(created.body['CurrentSequence']).toBeGreaterThan(0);
    const fin = track(await online(SG, app, 'fin'));
    expect(await fin.request('req', { cmd: 'friend.group_rename', body: { oldName: 'gym', newName: 'sport' } })).toMatchObject({ code: 0 });
    expect((await rest(SG, 'sns/group_delete', app, { From_Account: 'fin', GroupName: ['work'] })).body).toMatchObject({ ErrorCode: 0 });
    const after = await fin.request('req', { cmd: 'friend.groups', body: {} });
    expect(after.body!['groups']).toEqual(expect.arrayContaining([{ name: 'sport', userIds: ['bea'] }, { name: 'family', userIds: ['dee'] }]));
    expect((after.body!['groups'] as { name: string }[]).map((g) => g.name)).not.toContain('work');
  });

  it('a profile change reaches friends\' devices', async () => {
    const bea = track(await online(SG, app, 'bea', 'Android'));
    await rest(SG, 'profile/portrait_set', app, { From_Account: 'al', ProfileItem: [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: 'new me' }] });
    const push = await bea.waitFor((f) => f.t === 'push' && f.kind === 'profile_changed' && (f.body as { From_Account: string }).From_Account === 'al');
    expect(push.body).toMatchObject({ ProfileItem: [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: 'new me' }] });
  });

  it('deletes one way or both ways, and all at once', async () => {
    expect((await rest(SG, 'sns/friend_delete', app, { From_Account: 'al', To_Account: ['cal', 'hal'], DeleteType: 'Delete_Type_Single' })).body).toMatchObject({
      ResultItem: [{ To_Account: 'cal', ResultCode: 0 }, { To_Account: 'hal', ResultCode: 31704 }],
    });
    expect(await relation('al', 'cal')).toBe('CheckResult_Type_NoRelation');
    expect((await rest(SG, 'sns/friend_delete', app, { From_Account: 'dee', To_Account: ['eli'], DeleteType: 'Delete_Type_Both' })).body).toMatchObject({ ErrorCode: 0 });
    expect(await relation('dee', 'eli')).toBe('CheckResult_Type_NoRelation');
    expect((await rest(SG, 'sns/friend_delete_all', app, { From_Account: 'fin', DeleteType: 'Delete_Type_Both' })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'sns/friend_get', app, { From_Account: 'fin', StartIndex: 0 })).body).toMatchObject({ FriendNum: 0 });
    expect(await relation('al', 'fin')).toBe('CheckResult_Type_NoRelation');
  });

  it('refuses bad requests with the relationship codes', async () => {
    expect((await rest(SG, 'sns/friend_add', app, { AddFriendItem: [{ To_Account: 'al' }] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'al', AddFriendItem: [] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'al', AddType: 'Both', AddFriendItem: [{ To_Account: 'bea' }] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'nobody', AddFriendItem: [{ To_Account: 'bea' }] })).body).toEqual(fail(30003));
    expect((await add('al', 'dee', { AddSource: 'Web' })).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30001 })]);
    expect((await add('al', 'dee', { Remark: 'x'.repeat(97) })).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30001 })]);
    expect((await add('al', 'al')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30001 })]);
    expect((await rest(SG, 'sns/friend_check', app, { From_Account: 'al', To_Account: ['bea'], CheckType: 'Both' })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_delete', app, { From_Account: 'al', To_Account: ['bea'], DeleteType: 'All' })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/group_delete', app, { From_Account: 'al', GroupName: ['no-such-list'] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_get_list', app, { From_Account: 'al', To_Account: ['bea'], TagList: ['Tag_Nope'] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/friend_get', app, { From_Account: 'al' }, { identifier: 'al', usersig: app.sig('al') })).body).toEqual(fail(30004));
    // Nothing changed for al: still friends with bea only (both ways).
    expect(await relation('al', 'bea')).toBe('CheckResult_Type_BothWay');
    expect(await relation('al', 'dee')).toBe('CheckResult_Type_NoRelation');
  });

  it("account_delete takes the account's profile, friendships, pending requests and blacklist with it", async () => {
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ivy', 'jay', 'kim', 'lee', 'mo'] });
    await rest(SG, 'profile/portrait_set', app, { From_Account: 'ivy', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ivy' }] });
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'ivy', AddFriendItem: [{ To_Account: 'jay' }], ForceAddFlags: 1 })).body['ResultItem']).toEqual([expect.objectContaining({ ResultCode: 0 })]);
    expect((await add('ivy', 'kim')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30539 })]);
    expect((await add('lee', 'ivy')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30539 })]);
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'ivy', To_Account: ['mo'] })).body['ResultItem']).toEqual([expect.objectContaining({ ResultCode: 0 })]);
    const blacklist = async () => (await rest(SG, 'sns/black_list_get', app, { From_Account: 'ivy', StartIndex: 0, MaxLimited: 10, LastSequence: 0 })).body['BlackListItem'] as unknown[];
    expect(await blacklist()).toHaveLength(1);

    expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'ivy' }] })).body['ResultItem']).toEqual([expect.objectContaining({ ResultCode: 0 })]);
    // The clean-up follows the deletion (an event); the blacklist is the last thing it drops.
    expect(await eventually(async () => (await blacklist()).length === 0)).toBe(true);
    expect(await relation('jay', 'ivy')).toBe('CheckResult_Type_NoRelation');
    expect((await rest(SG, 'sns/friend_get', app, { From_Account: 'jay', StartIndex: 0 })).body).toMatchObject({ FriendNum: 0 });

    // Imported again, the account starts empty: default profile, no friends, no requests either way.
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'ivy' })).body['ErrorCode']).toBe(0);
    const profile = await rest(SG, 'profile/portrait_get', app, { To_Account: ['ivy'], TagList: ['Tag_Profile_IM_Nick'] });
    expect(profile.body['UserProfileItem']).toEqual([expect.objectContaining({ ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: '' }] })]);
    expect(await relation('ivy', 'jay')).toBe('CheckResult_Type_NoRelation');
    // A surviving request would be answered by the reverse request (both friends at once, 0).
    expect((await add('kim', 'ivy')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30539 })]);
    expect((await add('ivy', 'lee')).ResultItem).toEqual([expect.objectContaining({ ResultCode: 30539 })]);
  });
});
