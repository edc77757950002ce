import Redis from 'ioredis';
import mongoose from 'mongoose';
import type { authV1, groupV1 } from '@meridian/proto';
import { TEST_NAMESPACE, TestWsClient, closeTestClients, createTestApp, eventually, rest, testClients, testTopology, type TestApp } from '@meridian/testing';
import { GroupsService } from './groups.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0 });
let random = 90_000;

describe(GroupsService.name, () => {
  let app: TestApp;
  const clients = new Map<string, TestWsClient>();
  const users = ['own', 'adm', 'mem', 'out', 'new', 'far'];
  const g = (command: string, body: Record<string, unknown>) => rest(SG, `group_open_http_svc/${command}`, app, body).then((r) => r.body);
  /** A user's connected client (one per user, in the region given the first time). */
  const as = async (user: string, region = SG) => {
    let c = clients.get(user);
    if (!c) {
      c = await TestWsClient.connect(region);
      expect((await c.login({ sdkAppId: app.sdkAppId, userId: user, userSig: app.sig(user), platform: 'Web' })).code).toBe(0);
      clients.set(user, c);
    }
    return c;
  };
  const ws = async (user: string, command: string, body: Record<string, unknown>) => (await as(user)).request('req', { cmd: `group.${command}`, body });
  const create = async (Type: string, extra: Record<string, unknown> = {}) => {
    const res = await g('create_group', { Owner_Account: 'own', Type, Name: `${Type} group`, MemberList: [{ Member_Account: 'mem' }], ...extra });
    expect(res).toEqual(ok);
    return res['GroupId'] as string;
  };

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: users });
    await as('far', FRA);
  });

  afterAll(() => {
    for (const c of clients.values()) c.close();
    closeTestClients();
  });

  it('creates groups with generated or custom ids and answers their info in Tencent\'s shape', async () => {
    const id = await create('Public', { Introduction: 'hello', ApplyJoinOption: 'NeedPermission', AppDefinedData: [{ Key: 'topic', Value: 'cats' }] });
    expect(id).toMatch(/^@TGS#2[A-Z2-7]{8}$/);
    const info = await g('get_group_info', { GroupIdList: [id, 'no-such-group'] });
    expect(info['GroupInfo']).toEqual([
      expect.objectContaining({
        GroupId: id,
        ErrorCode: 0,
        Type: 'Public',
        Name: 'Public group',
        Introduction: 'hello',
        Owner_Account: 'own',
        MemberNum: 2,
        ApplyJoinOption: 'NeedPermission',
        MuteAllMember: 'Off',
        AppDefinedData: [{ Key: 'topic', Value: 'cats' }],
        MemberList: expect.arrayContaining([expect.objectContaining({ Member_Account: 'own', Role: 'Owner' }), expect.objectContaining({ Member_Account: 'mem', Role: 'Member' })]),
      }),
      expect.objectContaining({ GroupId: 'no-such-group', ErrorCode: 10010 }),
    ]);
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Private', Name: 'custom', GroupId: 'team-1' })).toMatchObject({ ErrorCode: 0, GroupId: 'team-1' });
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Private', Name: 'custom', GroupId: 'team-1' })).toEqual(fail(10021));
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Private', Name: 'x', GroupId: '@TGS#mine' })).toEqual(fail(10015));
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Club', Name: 'x' })).toEqual(fail(10004));
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Public', Name: 'x'.repeat(31) })).toEqual(fail(10004));
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Public', Name: 'x', MemberList: [{ Member_Account: 'ghost' }] })).toEqual(fail(10019));
    expect((await g('get_role_in_group', { GroupId: 'team-1', User_Account: ['own', 'mem'] }))['UserIdList']).toEqual([
      { Member_Account: 'own', Role: 'Owner' },
      { Member_Account: 'mem', Role: 'NotMember' },
    ]);
  });

  it('applies each type\'s rules for invites, applications, kicks, quitting and disbanding', async () => {
    const ownClient = await as('own');
    const work = await create('Work');
    const pub = await create('Public', { ApplyJoinOption: 'NeedPermission' });
    const meeting = await create('Meeting');
    // Work: any member invites; Public: members cannot.
    expect(await ws('mem', 'add_group_member', { GroupId: work, MemberList: [{ Member_Account: 'new' }] })).toMatchObject({ code: 0, body: { MemberList: [{ Member_Account: 'new', Result: 1 }] } });
    expect(await ws('mem', 'add_group_member', { GroupId: pub, MemberList: [{ Member_Account: 'new' }] })).toMatchObject({ code: 10007 });
    // Applications: Work none, Public with approval, Meeting free.
    expect(await ws('out', 'apply_join_group', { GroupId: work })).toMatchObject({ code: 10007 });
    expect(await ws('out', 'apply_join_group', { GroupId: pub, ApplyMsg: 'let me in' })).toMatchObject({ code: 0, body: { JoinStatus: 'WaitAdminApproval' } });
    expect(await ownClient.waitFor((f) => f.t === 'push' && f.kind === 'group_system' && (f.body as { Type: number }).Type === 1)).toMatchObject({ body: { GroupId: pub, Operator_Account: 'out' } });
    expect(await ws('mem', 'handle_join_application', { GroupId: pub, Applicant_Account: 'out', Decision: 'Agree' })).toMatchObject({ code: 10007 });
    expect(await ws('own', 'handle_join_application', { GroupId: pub, Applicant_Account: 'out', Decision: 'Agree' })).toMatchObject({ code: 0 });
    expect((await g('get_role_in_group', { GroupId: pub, User_Account: ['out'] }))['UserIdList']).toEqual([{ Member_Account: 'out', Role: 'Member' }]);
    expect(await ws('out', 'apply_join_group', { GroupId: meeting })).toMatchObject({ code: 0, body: { JoinStatus: 'Joined' } });
    await g('modify_group_base_info', { GroupId: pub, ApplyJoinOption: 'DisableApply' });
    expect(await ws('new', 'apply_join_group', { GroupId: pub })).toMatchObject({ code: 10007 });

    // Admins (Public): only the owner appoints; an admin kicks plain members, not admins.
    expect(await ws('mem', 'modify_group_member_info', { GroupId: pub, Member_Account: 'out', Role: 'Admin' })).toMatchObject({ code: 10007 });
    expect(await g('add_group_member', { GroupId: pub, MemberList: [{ Member_Account: 'adm' }] })).toMatchObject({ MemberList: [{ Member_Account: 'adm', Result: 1 }] });
    expect(await ws('own', 'modify_group_member_info', { GroupId: pub, Member_Account: 'adm', Role: 'Admin' })).toMatchObject({ code: 0 });
    expect(await ws('own', 'modify_group_member_info', { GroupId: work, Member_Account: 'mem', Role: 'Admin' })).toMatchObject({ code: 10007 });
    expect(await ws('adm', 'delete_group_member', { GroupId: pub, MemberToDel_Account: ['out'] })).toMatchObject({ code: 0 });
    expect(await ws('mem', 'delete_group_member', { GroupId: pub, MemberToDel_Account: ['adm'] })).toMatchObject({ code: 10007 });
    expect(await g('delete_group_member', { GroupId: pub, MemberToDel_Account: ['own'] })).toEqual(fail(10007));

    // Quitting: a Work owner may (the group is left without one); a Public owner may not.
    expect(await ws('own', 'quit_group', { GroupId: pub })).toMatchObject({ code: 10009 });
    expect(await ws('own', 'quit_group', { GroupId: work })).toMatchObject({ code: 0 });
    expect((await g('get_group_info', { GroupIdList: [work] }))['GroupInfo']).toEqual([expect.objectContaining({ Owner_Account: '' })]);
    // Disbanding: a Work group only by the app admin; others by their owner.
    expect(await ws('mem', 'destroy_group', { GroupId: work })).toMatchObject({ code: 10007 });
    expect(await g('destroy_group', { GroupId: work })).toEqual(ok);
    expect(await ws('own', 'destroy_group', { GroupId: meeting })).toMatchObject({ code: 0 });
    expect((await g('get_group_info', { GroupIdList: [work, meeting] }))['GroupInfo']).toEqual([expect.objectContaining({ ErrorCode: 10010 }), expect.objectContaining({ ErrorCode: 10010 })]);
  });

  it('disbanding removes the messages, mutes and applications: a new group with the same id starts empty', async () => {
    const spec = { Owner_Account: 'own', Type: 'Public', Name: 'reused', GroupId: `reused-${random}`, ApplyJoinOption: 'NeedPermission', MemberList: [{ Member_Account: 'mem' }] };
    expect(await g('create_group', spec)).toMatchObject({ ErrorCode: 0 });
    for (let i = 0; i < 3; i++) expect(await g('send_group_msg', { GroupId: spec.GroupId, Random: ++random, MsgBody: text(`old ${i}`) })).toMatchObject({ ErrorCode: 0 });
    expect(await g('forbid_send_msg', { GroupId: spec.GroupId, Members_Account: ['mem'], MuteTime: 600 })).toEqual(ok);
    expect(await ws('out', 'apply_join_group', { GroupId: spec.GroupId })).toMatchObject({ code: 0, body: { JoinStatus: 'WaitAdminApproval' } });
    expect(await g('destroy_group', { GroupId: spec.GroupId })).toEqual(ok);

    expect(await g('create_group', spec)).toMatchObject({ ErrorCode: 0 });
    expect(await g('group_msg_get_simple', { GroupId: spec.GroupId, ReqMsgNumber: 20 })).toMatchObject({ ErrorCode: 0, RspMsgList: [] });
    expect((await g('get_group_muted_account', { GroupId: spec.GroupId }))['MutedAccountList']).toEqual([]);
    // The old application is gone: approving it finds nothing to approve.
    expect((await ws('own', 'handle_join_application', { GroupId: spec.GroupId, Applicant_Account: 'out', Decision: 'Agree' })).code).not.toBe(0);
    expect(await g('send_group_msg', { GroupId: spec.GroupId, Random: ++random, MsgBody: text('new') })).toMatchObject({ ErrorCode: 0 });
    expect(((await g('group_msg_get_simple', { GroupId: spec.GroupId, ReqMsgNumber: 20 }))['RspMsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('new')]);
  });

  it('stores a message once per (sender, Random): concurrent retries, and a retry whose claim Redis lost', async () => {
    const pub = await create('Public');
    const r = ++random;
    const tries = await Promise.all(Array.from({ length: 5 }, () => g('send_group_msg', { GroupId: pub, From_Account: 'mem', Random: r, MsgBody: text('once') })));
    const first = tries.find((t) => t.ErrorCode === 0)!;
    expect(first).toMatchObject({ MsgSeq: expect.any(Number) });
    // Each try either got the first answer or was told to retry while the first one ran.
    for (const t of tries) expect(t.ErrorCode === 0 ? t['MsgSeq'] : t.ErrorCode).toBe(t.ErrorCode === 0 ? first['MsgSeq'] : 10023);
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const keys = await redis.keys(`${TEST_NAMESPACE}:*group:dedupe:${app.sdkAppId}:${pub}:mem:${r}`);
    expect(keys).toHaveLength(1);
    await redis.del(...keys);
    redis.disconnect();
    expect(await g('send_group_msg', { GroupId: pub, From_Account: 'mem', Random: r, MsgBody: text('once') })).toMatchObject({ ErrorCode: 0, MsgSeq: first['MsgSeq'], MsgTime: first['MsgTime'] });
    const history = (await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 }))['RspMsgList'] as { MsgBody: unknown }[];
    expect(history.filter((m) => JSON.stringify(m.MsgBody) === JSON.stringify(text('once')))).toHaveLength(1);
  });

  it('modify_group_msg: an admin rewrites a stored message, members are told; bad requests change nothing', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem' }] });
    const own = await as('own');
    const sent = await g('send_group_msg', { GroupId: pub, From_Account: 'mem', Random: ++random, MsgBody: text('typo'), CloudCustomData: 'v1' });
    const seq = sent['MsgSeq'] as number;
    const modify = (b: Record<string, unknown>) => rest(SG, 'openim/modify_group_msg', app, b).then((r) => r.body);
    expect(await modify({ GroupId: pub, MsgSeq: seq, MsgBody: text('fixed') })).toEqual(ok);
    const pushed = await own.waitFor((f) => f.t === 'push' && f.kind === 'group_modify' && (f.body as { GroupId: string }).GroupId === pub);
    expect(pushed.body).toMatchObject({ MsgSeq: seq, From_Account: 'mem', MsgBody: text('fixed'), CloudCustomData: 'v1' });
    expect(await modify({ GroupId: pub, MsgSeq: seq, CloudCustomData: 'v2' })).toEqual(ok);
    const stored = () => g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 }).then((r) => (r['RspMsgList'] as { MsgSeq: number; MsgBody: unknown; CloudCustomData?: string }[]).find((m) => m.MsgSeq === seq));
    expect(await stored()).toMatchObject({ MsgBody: text('fixed'), CloudCustomData: 'v2' });

    expect(await modify({ GroupId: pub, MsgSeq: seq })).toEqual(fail(10004));
    expect(await modify({ GroupId: pub, MsgBody: text('x') })).toEqual(fail(10004));
    expect(await modify({ GroupId: pub, MsgSeq: seq + 100, MsgBody: text('x') })).toEqual(fail(10030));
    expect(await modify({ GroupId: 'no-such-group', MsgSeq: 1, MsgBody: text('x') })).toEqual(fail(10010));
    expect(await g('group_msg_recall', { GroupId: pub, MsgSeqList: [{ MsgSeq: seq }] })).toMatchObject({ RecallRetList: [{ MsgSeq: seq, RetCode: 0 }] });
    expect(await modify({ GroupId: pub, MsgSeq: seq, MsgBody: text('after recall') })).toEqual(fail(10030));
    const room = (await g('create_group', { Owner_Account: 'own', Type: 'AVChatRoom', Name: 'live' }))['GroupId'];
    expect(await modify({ GroupId: room, MsgSeq: 1, MsgBody: text('x') })).toEqual(fail(10033));
    // Not a client command: this is an admin API (60009, unknown command).
    const mem = await as('mem');
    mem.send({ v: 1, t: 'req', id: 77_001, cmd: 'group.modify_group_msg', body: { GroupId: pub, MsgSeq: seq, MsgBody: text('mine') } });
    expect(await mem.waitFor((f) => f.t === 'error' && f.id === 77_001)).toMatchObject({ code: 60009 });
  });

  it('deletes messages past the roaming period; the sequence continues after a Redis loss', async () => {
    const pub = await create('Public');
    const first = await g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('ages') });
    expect(first).toMatchObject({ ErrorCode: 0, MsgSeq: 1 });
    const conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region(SG).mongoDatabase}_group` }).asPromise();
    try {
      const id = `${app.sdkAppId}:${pub}:${String(1).padStart(12, '0')}`;
      // Sent MERIDIAN_GROUP_ROAMING_DAYS ago, as far as the store knows.
      expect((await conn.collection('group_messages').updateOne({ _id: id as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } })).modifiedCount).toBe(1);
      expect(await eventually(async () => (await conn.collection('group_messages').countDocuments({ _id: id as never })) === 0, 15_000, 250)).toBe(true);
    } finally {
      await conn.close();
    }
    expect(await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 })).toMatchObject({ ErrorCode: 0, RspMsgList: [] });
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const keys = await redis.keys(`${TEST_NAMESPACE}:*group:seq:${app.sdkAppId}:${pub}`);
    expect(keys).toHaveLength(1);
    await redis.del(...keys);
    redis.disconnect();
    // Nothing is stored any more, yet seq 1 is not given out again: the purge left a floor.
    expect(await g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('after the purge') })).toMatchObject({ ErrorCode: 0, MsgSeq: 2 });
  });

  it('delivers group messages to members in both regions, keeps history from joining on, recalls and counts unread', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem' }, { Member_Account: 'far' }] });
    const far = await as('far');
    const sent = await ws('mem', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('hello group') });
    expect(sent).toMatchObject({ code: 0, body: { MsgSeq: expect.any(Number), MsgTime: expect.any(Number) } });
    const seq = (sent.body as { MsgSeq: number }).MsgSeq;
    for (const c of [far, await as('own')]) {
      expect((await c.waitFor((f) => f.t === 'push' && f.kind === 'group' && (f.body as { GroupId: string }).GroupId === pub)).body).toMatchObject({ From_Account: 'mem', MsgSeq: seq, MsgBody: text('hello group') });
    }
    // A retry with the same Random gets the first answer and stores nothing new.
    expect(await ws('mem', 'send_group_msg', { GroupId: pub, Random: random, MsgBody: text('hello group') })).toMatchObject({ body: sent.body });
    // Admin send over REST, as another member.
    expect(await g('send_group_msg', { GroupId: pub, From_Account: 'own', Random: ++random, MsgBody: text('from the owner') })).toMatchObject({ ErrorCode: 0, MsgSeq: seq + 1 });

    const history = await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 });
    expect(history).toMatchObject({ ErrorCode: 0, GroupId: pub, IsFinished: 1 });
    const list = history['RspMsgList'] as { MsgSeq: number; MsgBody: unknown; From_Account: string; IsSystemMsg?: number }[];
    expect(list.filter((m) => !m.IsSystemMsg).map((m) => m.MsgBody)).toEqual([text('from the owner'), text('hello group')]);

    // A new member of a Public group sees nothing from before joining.
    await g('add_group_member', { GroupId: pub, MemberList: [{ Member_Account: 'new' }] });
    const seen = await ws('new', 'group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 });
    expect((seen.body as { RspMsgList: { MsgBody: unknown; IsSystemMsg?: number }[] }).RspMsgList.filter((m) => !m.IsSystemMsg)).toEqual([]);
    // Outsiders cannot read or send.
    expect(await ws('out', 'group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 5 })).toMatchObject({ code: 10007 });
    expect(await ws('out', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('hi') })).toMatchObject({ code: 10007 });

    // Unread for far, then read.
    const unread = async () =>
      ((await ws('far', 'get_joined_group_list', { ResponseFilter: { SelfInfoFilter: ['UnreadMsgNum'] } })).body as { GroupIdList: { GroupId: string; SelfInfo: { UnreadMsgNum: number } }[] }).GroupIdList.find((x) => x.GroupId === pub)!.SelfInfo.UnreadMsgNum;
    expect(await unread()).toBeGreaterThanOrEqual(2);
    expect(await ws('far', 'set_read', { GroupId: pub })).toMatchObject({ code: 0, body: { UnreadMsgNum: 0 } });
    expect(await unread()).toBe(0);

    // Recall: the sender within the window; others' messages only by owner/admins.
    expect(await ws('far', 'group_msg_recall', { GroupId: pub, MsgSeqList: [{ MsgSeq: seq }] })).toMatchObject({ body: { RecallRetList: [{ MsgSeq: seq, RetCode: 10007 }] } });
    expect(await ws('mem', 'group_msg_recall', { GroupId: pub, MsgSeqList: [{ MsgSeq: seq }] })).toMatchObject({ body: { RecallRetList: [{ MsgSeq: seq, RetCode: 0 }] } });
    expect(await far.waitFor((f) => f.t === 'push' && f.kind === 'group_recall')).toMatchObject({ body: { GroupId: pub, MsgSeqList: [seq] } });
    expect((await g('group_msg_recall', { GroupId: pub, MsgSeqList: [{ MsgSeq: seq }, { MsgSeq: 9999 }] }))['RecallRetList']).toEqual([
      { MsgSeq: seq, RetCode: 10030 },
      { MsgSeq: 9999, RetCode: 10030 },
    ]);
    const after = await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20, WithRecalledMsg: 1 });
    expect((after['RspMsgList'] as { MsgSeq: number; IsPlaceMsg: number }[]).find((m) => m.MsgSeq === seq)).toMatchObject({ IsPlaceMsg: 2 });
  });

  it('delivers by each member\'s current MsgFlag and membership (the cached audience follows every change)', async () => {
    const id = await create('Public');
    const says = async (text0: string) => {
      expect(await g('send_group_msg', { GroupId: id, From_Account: 'own', Random: ++random, MsgBody: text(text0) })).toEqual(ok);
    };
    const got = async (user: string, text0: string, wait = true) => {
      const c = await as(user);
      const match = (f: { t: string; kind?: string; body?: unknown }) =>
        f.t === 'push' && f.kind === 'group' && JSON.stringify((f.body as { MsgBody?: unknown }).MsgBody) === JSON.stringify(text(text0));
      if (wait) return (await c.waitFor(match, 5000).then(() => true, () => false));
      await new Promise((r) => setTimeout(r, 500));
      return c.frames.some(match);
    };
    await says('one');
    expect(await got('mem', 'one')).toBe(true);
    // A member added after the audience was loaded receives the next message.
    expect(await g('add_group_member', { GroupId: id, Silence: 1, MemberList: [{ Member_Account: 'new' }] })).toEqual(ok);
    await says('two');
    expect(await got('new', 'two')).toBe(true);
    // Discard: nothing; back to AcceptAndNotify: received again.
    expect(await g('modify_group_member_info', { GroupId: id, Member_Account: 'new', MsgFlag: 'Discard' })).toEqual(ok);
    await says('three');
    expect(await got('mem', 'three')).toBe(true);
    expect(await got('new', 'three', false)).toBe(false);
    expect(await g('modify_group_member_info', { GroupId: id, Member_Account: 'new', MsgFlag: 'AcceptAndNotify' })).toEqual(ok);
    await says('four');
    expect(await got('new', 'four')).toBe(true);
    // Removed: nothing.
    expect(await g('delete_group_member', { GroupId: id, Silence: 1, MemberToDel_Account: ['new'] })).toEqual(ok);
    await says('five');
    expect(await got('mem', 'five')).toBe(true);
    expect(await got('new', 'five', false)).toBe(false);
  });

  it('mutes members (kept across leaving), mutes everyone but the owner and admins, and drops messages over the rate', async () => {
    const pub = await create('Public', { ApplyJoinOption: 'FreeAccess', MemberList: [{ Member_Account: 'mem' }, { Member_Account: 'adm', Role: 'Admin' }] });
    expect(await g('forbid_send_msg', { GroupId: pub, Members_Account: ['mem'], MuteTime: 600 })).toEqual(ok);
    expect(await ws('mem', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('muted?') })).toMatchObject({ code: 10017 });
    expect((await g('get_group_muted_account', { GroupId: pub }))['MutedAccountList']).toEqual([{ Member_Account: 'mem', MutedUntil: expect.any(Number) }]);
    expect((await g('get_group_shutted_uin', { GroupId: pub }))['ShuttedUinList']).toEqual([{ Member_Account: 'mem', ShuttedUntil: expect.any(Number) }]);
    await ws('mem', 'quit_group', { GroupId: pub });
    await ws('mem', 'apply_join_group', { GroupId: pub });
    expect(await ws('mem', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('still muted?') })).toMatchObject({ code: 10017 });
    expect(await ws('adm', 'forbid_send_msg', { GroupId: pub, Members_Account: ['mem'], MuteTime: 0 })).toMatchObject({ code: 0 });
    expect(await ws('mem', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('free') })).toMatchObject({ code: 0 });

    expect(await g('modify_group_base_info', { GroupId: pub, MuteAllMember: 'On' })).toEqual(ok);
    expect(await ws('mem', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('quiet') })).toMatchObject({ code: 10017 });
    expect(await ws('adm', 'send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('admins may') })).toMatchObject({ code: 0 });
    await g('modify_group_base_info', { GroupId: pub, MuteAllMember: 'Off' });

    // Work groups have no muting by members; app-wide group mute applies too.
    const work = await create('Work');
    expect(await ws('own', 'forbid_send_msg', { GroupId: work, Members_Account: ['mem'], MuteTime: 60 })).toMatchObject({ code: 10007 });
    await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'mem', GroupmsgNospeakingTime: 60 });
    expect(await ws('mem', 'send_group_msg', { GroupId: work, Random: ++random, MsgBody: text('x') })).toMatchObject({ code: 10017 });
    await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'mem', GroupmsgNospeakingTime: 0 });

    // 5 client messages per second on the test platform: a burst of low-priority messages is cut.
    const burst = await Promise.all(Array.from({ length: 12 }, () => ws('adm', 'send_group_msg', { GroupId: pub, Random: ++random, MsgPriority: 'Low', MsgBody: text('spam') })));
    const dropped = burst.filter((r) => (r.body as { MsgDropReason?: string }).MsgDropReason === 'MsgFreqCtrl');
    expect(dropped.length).toBeGreaterThan(0);
    expect(burst.every((r) => r.code === 0)).toBe(true);
    // Admin sends over REST are exempt.
    const rest12 = await Promise.all(Array.from({ length: 12 }, () => g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('announcement') })));
    expect(rest12.every((r) => r.ErrorCode === 0 && r['MsgDropReason'] === undefined)).toBe(true);
  });

  it('AVChatRoom: members in two regions receive, nothing is stored, online members are counted', async () => {
    const room = await g('create_group', { Owner_Account: 'own', Type: 'AVChatRoom', Name: 'live' });
    const id = room['GroupId'] as string;
    expect(id).toMatch(/^@TGS#a/);
    // Joining ties the connection to the room through the typed live_room of the group service's
    // answer: Tencent's fields are JoinStatus alone (no Live flag).
    expect(await ws('far', 'apply_join_group', { GroupId: id })).toMatchObject({ code: 0, body: { JoinStatus: 'Joined' } });
    expect((await ws('mem', 'apply_join_group', { GroupId: id })).body).toEqual({ JoinStatus: 'Joined' });
    // A refused join ties nothing and counts no one.
    expect(await ws('out', 'apply_join_group', { GroupId: '@TGS#aNOSUCHROOM' })).toMatchObject({ code: 10010 });
    expect(await ws('out', 'apply_join_group', { GroupId: 7 })).toMatchObject({ code: 10015 });
    expect(await g('get_online_member_num', { GroupId: id })).toMatchObject({ ErrorCode: 0, OnlineMemberNum: 2 });
    // get_joined_group_list lists the AVChatRoom only WithHugeGroups (REST and client alike).
    const joinedIds = (r: Record<string, unknown>) => ((r['GroupIdList'] as { GroupId: string; Type?: string }[]) ?? []).filter((x) => x.GroupId === id);
    expect(joinedIds(await g('get_joined_group_list', { Member_Account: 'far' }))).toEqual([]);
    expect(joinedIds(await g('get_joined_group_list', { Member_Account: 'far', WithHugeGroups: 1, ResponseFilter: { GroupBaseInfoFilter: ['Type'] } }))).toEqual([{ GroupId: id, Type: 'AVChatRoom' }]);
    expect(joinedIds((await ws('mem', 'get_joined_group_list', { WithHugeGroups: 1, GroupType: 'AVChatRoom' })).body as Record<string, unknown>)).toEqual([{ GroupId: id }]);
    // Join tips are batched (one per room and second, naming who joined): three joins at once
    // reach a member as at most two tips (a window may close between them), not one per join.
    const lv = ['lv1', 'lv2', 'lv3'];
    const from = (await as('far')).frames.length;
    await Promise.all(lv.map((u) => ws(u, 'apply_join_group', { GroupId: id })));
    const joinTips = async () =>
      (await as('far')).frames
        .slice(from)
        .filter((f) => f.kind === 'group_tip' && (f.body as { GroupId: string }).GroupId === id)
        .map((f) => (f.body as { MsgBody: { MsgContent: { OpType: number; MemberList: string[] } }[] }).MsgBody[0]!.MsgContent)
        .filter((c) => c.OpType === 1 && c.MemberList.some((u) => lv.includes(u)));
    const named = async () => (await joinTips()).flatMap((c) => c.MemberList).filter((u) => lv.includes(u)).sort();
    for (let i = 0; i < 50 && (await named()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await named()).toEqual(lv);
    expect((await joinTips()).length).toBeLessThanOrEqual(2);
    await Promise.all(lv.map((u) => ws(u, 'quit_group', { GroupId: id })));
    const outBefore = (await as('out')).frames.length;
    const sent = await ws('mem', 'send_group_msg', { GroupId: id, Random: ++random, MsgBody: text('live!') });
    expect(sent).toMatchObject({ code: 0 });
    expect((await (await as('far')).waitFor((f) => f.t === 'push' && f.kind === 'group' && (f.body as { GroupId: string }).GroupId === id)).body).toMatchObject({ MsgBody: text('live!') });
    expect((await as('out')).frames.slice(outBefore).filter((f) => f.kind === 'group')).toEqual([]);
    expect(await g('group_msg_get_simple', { GroupId: id, ReqMsgNumber: 5 })).toEqual(fail(10007));
    // Nothing is stored, yet a seq counter Redis lost does not give the same numbers again.
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const seqKeys = await redis.keys(`${TEST_NAMESPACE}:*group:seq:${app.sdkAppId}:${id}`);
    expect(seqKeys).toHaveLength(1);
    await redis.del(...seqKeys);
    redis.disconnect();
    const resumed = await ws('mem', 'send_group_msg', { GroupId: id, Random: ++random, MsgBody: text('after the loss') });
    expect((resumed.body as { MsgSeq: number }).MsgSeq).toBeGreaterThan((sent.body as { MsgSeq: number }).MsgSeq);
    expect(await g('add_group_member', { GroupId: id, MemberList: [{ Member_Account: 'new' }] })).toEqual(fail(10007));
    expect(await ws('out', 'send_group_msg', { GroupId: id, Random: ++random, MsgBody: text('not joined') })).toMatchObject({ code: 10007 });
    // The whole room hears an admin notice through its gateways; leaving stops delivery.
    expect(await g('send_group_system_notification', { GroupId: id, Content: 'stream starts' })).toMatchObject({ ErrorCode: 0 });
    expect(await (await as('far')).waitFor((f) => f.t === 'push' && f.kind === 'group_system' && (f.body as { Content?: string }).Content === 'stream starts')).toBeDefined();
    const quit = await ws('far', 'quit_group', { GroupId: id });
    expect(quit).toMatchObject({ code: 0 });
    expect(quit.body ?? {}).toEqual({});
    expect(await g('get_online_member_num', { GroupId: id })).toMatchObject({ OnlineMemberNum: 1 });
    expect(joinedIds(await g('get_joined_group_list', { Member_Account: 'far', WithHugeGroups: 1 }))).toEqual([]);
    const before = (await as('far')).frames.length;
    await ws('mem', 'send_group_msg', { GroupId: id, Random: ++random, MsgBody: text('after far left') });
    await new Promise((r) => setTimeout(r, 300));
    expect((await as('far')).frames.slice(before).filter((f) => f.kind === 'group')).toEqual([]);
    // send_broadcast_msg reaches every AVChatRoom's audience.
    const farBefore = (await as('far')).frames.length;
    await ws('far', 'apply_join_group', { GroupId: id });
    // Typed RPCs (live rooms): a bad body is refused at the edge with the group service's codes
    // and reaches no room. send_broadcast_msg is limited to 1/s (refusals count): a call the
    // limit refuses (60007) is made again.
    const broadcast = async (body: Record<string, unknown>) => {
      let res = await g('send_broadcast_msg', body);
      for (let i = 0; i < 40 && res['ErrorCode'] === 60007; i++) {
        await new Promise((r) => setTimeout(r, 250));
        res = await g('send_broadcast_msg', body);
      }
      return res;
    };
    expect(await broadcast({ Random: 5, MsgBody: [] })).toEqual(fail(90002));
    expect(await broadcast({ From_Account: 5, MsgBody: text('bad sender') })).toEqual(fail(60015));
    expect(await broadcast({ From_Account: 'own', Random: -1, MsgBody: text('bad random') })).toEqual(fail(10004));
    expect(await broadcast({ From_Account: 'own', MsgBody: text('bad data'), CloudCustomData: 7 })).toEqual(fail(10004));
    expect(await broadcast({ From_Account: 'own', Random: 5, MsgBody: text('to every room'), CloudCustomData: null })).toMatchObject({ ErrorCode: 0, MsgSeq: expect.any(Number) });
    expect((await (await as('far')).waitFor((f) => f.t === 'push' && f.kind === 'group_broadcast' && (f.body as { GroupId: string }).GroupId === id)).body).toMatchObject({ MsgBody: text('to every room') });
    expect((await as('far')).frames.slice(farBefore).filter((f) => f.kind === 'group_broadcast' && (f.body as { GroupId: string }).GroupId === id)).toHaveLength(1);
    expect(await g('get_online_member_num', { GroupId: 7 })).toEqual(fail(10015));
    expect(await g('get_online_member_num', { GroupId: '@TGS#aNOSUCHROOM' })).toEqual(fail(10010));
    expect(await g('get_online_member_num', { GroupId: await create('Public') })).toEqual(fail(10007));
    expect(await ws('mem', 'get_online_member_num', { GroupId: id })).toMatchObject({ code: 0, body: { OnlineMemberNum: 2 } });
    await ws('far', 'quit_group', { GroupId: id });
    // A connection that closes leaves its rooms.
    const extra = await TestWsClient.connect(SG);
    await extra.login({ sdkAppId: app.sdkAppId, userId: 'new', userSig: app.sig('new'), platform: 'Web' });
    await extra.request('req', { cmd: 'group.apply_join_group', body: { GroupId: id } });
    expect(await g('get_online_member_num', { GroupId: id })).toMatchObject({ OnlineMemberNum: 2 });
    extra.close();
    let count = 2;
    for (let i = 0; i < 50 && count !== 1; i++) {
      await new Promise((r) => setTimeout(r, 100));
      count = (await g('get_online_member_num', { GroupId: id }))['OnlineMemberNum'] as number;
    }
    expect(count).toBe(1);
  });

  it('lists groups in the members\' conversation lists, with unread counts, until deleted', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem' }] });
    await rest(SG, 'openim/sendmsg', app, { From_Account: 'own', To_Account: 'mem', MsgRandom: ++random, MsgBody: text('a 1:1 message first') });
    await new Promise((r) => setTimeout(r, 1100));
    await g('send_group_msg', { GroupId: pub, From_Account: 'own', Random: ++random, MsgBody: text('then the group') });
    const sessions = async () => ((await rest(SG, 'recentcontact/get_list', app, { From_Account: 'mem', TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0, AssistFlags: 7 })).body['SessionItem'] as Record<string, unknown>[]) ?? [];
    let items: Record<string, unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      items = await sessions();
      if (items.some((s) => s['To_Account'] === 'own')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const groupIndex = items.findIndex((s) => s['GroupId'] === pub);
    expect(items[groupIndex]).toMatchObject({ Type: 2, GroupId: pub, TopFlag: 0 });
    expect(groupIndex).toBeLessThan(items.findIndex((s) => s['To_Account'] === 'own'));
    const list = await (await as('mem')).request('req', { cmd: 'chat.conversations', body: {} });
    expect((list.body as { conversations: { type: number; peer: string; unread: number }[] }).conversations.find((c) => c.peer === pub)).toMatchObject({ type: 2, unread: expect.any(Number) });
    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'mem', Type: 2, ToGroupid: pub })).body).toMatchObject({ ErrorCode: 0 });
    expect((await sessions()).some((s) => s['GroupId'] === pub)).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    await g('send_group_msg', { GroupId: pub, From_Account: 'own', Random: ++random, MsgBody: text('back') });
    expect((await sessions()).some((s) => s['GroupId'] === pub)).toBe(true);
  });

  it('create_group: ApplyJoinOption defaults to NeedPermission whatever the type', async () => {
    const meeting = await create('ChatRoom');
    const work = await create('Private');
    const joinOptions = await g('get_group_info', { GroupIdList: [meeting, work], ResponseFilter: { GroupBaseInfoFilter: ['ApplyJoinOption'] } });
    expect(joinOptions['GroupInfo']).toEqual([meeting, work].map((GroupId) => ({ GroupId, ErrorCode: 0, ErrorInfo: '', ApplyJoinOption: 'NeedPermission' })));
    // The type's rule still decides: anyone may walk into a Meeting group.
    expect(await ws('out', 'apply_join_group', { GroupId: meeting })).toMatchObject({ code: 0, body: { JoinStatus: 'Joined' } });
  });

  it('Work, Public and Meeting groups hold at most 6000 members (MaxMemberCount on create, MaxMemberNum on modify)', async () => {
    expect(await g('create_group', { Owner_Account: 'own', Type: 'Public', Name: 'too big', MaxMemberCount: 6001 })).toEqual(fail(10004));
    const pub = await create('Public', { MaxMemberCount: 6000 });
    const meeting = await create('ChatRoom');
    expect(await g('modify_group_base_info', { GroupId: pub, MaxMemberNum: 6001 })).toEqual(fail(10004));
    expect(await g('modify_group_base_info', { GroupId: meeting, MaxMemberNum: 10_000 })).toEqual(fail(10004));
    const info = await g('get_group_info', { GroupIdList: [pub, meeting], ResponseFilter: { GroupBaseInfoFilter: ['MaxMemberNum', 'InfoSeq'] } });
    expect(info['GroupInfo']).toEqual([expect.objectContaining({ MaxMemberNum: 6000, InfoSeq: 1 }), expect.objectContaining({ InfoSeq: 1 })]);
  });

  it('ResponseFilter AppDefinedDataFilter_Group / _GroupMember name the custom keys to answer', async () => {
    const pub = await create('Public', {
      AppDefinedData: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }],
      MemberList: [{ Member_Account: 'mem', AppMemberDefinedData: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] }],
    });
    const filtered = await g('get_group_info', {
      GroupIdList: [pub],
      ResponseFilter: { GroupBaseInfoFilter: ['MaxMemberNum'], MemberInfoFilter: ['Role'], AppDefinedDataFilter_Group: ['b'], AppDefinedDataFilter_GroupMember: ['y'] },
    });
    expect(filtered['GroupInfo']).toEqual([
      {
        GroupId: pub,
        ErrorCode: 0,
        ErrorInfo: '',
        MaxMemberNum: 2000,
        AppDefinedData: [{ Key: 'b', Value: '2' }],
        MemberList: expect.arrayContaining([
          { Member_Account: 'own', Role: 'Owner', AppMemberDefinedData: [] },
          { Member_Account: 'mem', Role: 'Member', AppMemberDefinedData: [{ Key: 'y', Value: '2' }] },
        ]),
      },
    ]);
    const members = await g('get_group_member_info', { GroupId: pub, MemberRoleFilter: ['Member'], MemberInfoFilter: ['Role'], AppDefinedDataFilter_GroupMember: ['x'] });
    expect(members).toMatchObject({ ErrorCode: 0, MemberList: [{ Member_Account: 'mem', Role: 'Member', AppMemberDefinedData: [{ Key: 'x', Value: '1' }] }] });
    expect(await g('get_group_member_info', { GroupId: pub, AppDefinedDataFilter_GroupMember: 'x' })).toEqual(fail(10004));
  });

  it('modify_group_member_info merges AppMemberDefinedData per key (an empty Value deletes it)', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem', AppMemberDefinedData: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] }] });
    expect(await g('modify_group_member_info', { GroupId: pub, Member_Account: 'mem', AppMemberDefinedData: [{ Key: 'y', Value: '3' }, { Key: 'z', Value: '4' }] })).toMatchObject({ ErrorCode: 0 });
    const data = async () =>
      ((await g('get_group_member_info', { GroupId: pub, MemberRoleFilter: ['Member'] }))['MemberList'] as { AppMemberDefinedData: { Key: string; Value: string }[] }[])[0]!.AppMemberDefinedData.slice().sort((a, b) => a.Key.localeCompare(b.Key));
    expect(await data()).toEqual([{ Key: 'x', Value: '1' }, { Key: 'y', Value: '3' }, { Key: 'z', Value: '4' }]);
    expect(await g('modify_group_member_info', { GroupId: pub, Member_Account: 'mem', AppMemberDefinedData: [{ Key: 'x', Value: '' }] })).toMatchObject({ ErrorCode: 0 });
    expect(await data()).toEqual([{ Key: 'y', Value: '3' }, { Key: 'z', Value: '4' }]);
    // More than 5 keys after the merge is refused and changes nothing.
    const many = ['a', 'b', 'c', 'd'].map((Key) => ({ Key, Value: 'v' }));
    expect(await g('modify_group_member_info', { GroupId: pub, Member_Account: 'mem', AppMemberDefinedData: many })).toEqual(fail(10004));
    expect(await data()).toEqual([{ Key: 'y', Value: '3' }, { Key: 'z', Value: '4' }]);
  });

  it('get_joined_group_list answers every base field get_group_info does, and refuses an unknown GroupType', async () => {
    const pub = await create('Public');
    await g('send_group_msg', { GroupId: pub, From_Account: 'mem', Random: ++random, MsgBody: text('counted') });
    const fields = ['InfoSeq', 'LastInfoTime', 'NextMsgSeq', 'MemberNum', 'MaxMemberNum'];
    const [full] = (await g('get_group_info', { GroupIdList: [pub], ResponseFilter: { GroupBaseInfoFilter: fields } }))['GroupInfo'] as Record<string, unknown>[];
    expect(full).toMatchObject({ MemberNum: 2, NextMsgSeq: expect.any(Number) });
    const joined = await g('get_joined_group_list', { Member_Account: 'mem', GroupType: 'Public', ResponseFilter: { GroupBaseInfoFilter: fields } });
    expect((joined['GroupIdList'] as { GroupId: string }[]).find((x) => x.GroupId === pub)).toEqual(Object.fromEntries(['GroupId', ...fields].map((f) => [f, full![f]])));
    expect(await g('get_joined_group_list', { Member_Account: 'mem', GroupType: 'Club' })).toEqual(fail(10004));
  });

  it('send_group_msg: To_Account reaches only the members named and stays out of the shared history', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem' }, { Member_Account: 'far' }] });
    const [mem, far] = [await as('mem'), await as('far')];
    const sent = await g('send_group_msg', { GroupId: pub, From_Account: 'own', Random: ++random, MsgBody: text('for far only'), To_Account: ['far'] });
    expect(sent).toMatchObject({ ErrorCode: 0, MsgTime: expect.any(Number) });
    expect((await far.waitFor((f) => f.t === 'push' && f.kind === 'group' && (f.body as { GroupId: string }).GroupId === pub)).body).toMatchObject({ MsgBody: text('for far only'), NoUnread: 1 });
    // A later message to everyone arrives at mem; the targeted one never did.
    await g('send_group_msg', { GroupId: pub, From_Account: 'own', Random: ++random, MsgBody: text('for everyone') });
    await mem.waitFor((f) => f.t === 'push' && f.kind === 'group' && JSON.stringify(f.body).includes('for everyone'));
    expect(mem.frames.filter((f) => JSON.stringify(f).includes('for far only'))).toEqual([]);
    const history = await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20 });
    expect(JSON.stringify(history['RspMsgList'])).not.toContain('for far only');
    expect(await g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('x'), To_Account: Array.from({ length: 51 }, (_, i) => `u${i}`) })).toEqual(fail(10005));
    const av = (await g('create_group', { Owner_Account: 'own', Type: 'AVChatRoom', Name: 'live' }))['GroupId'] as string;
    expect(await g('send_group_msg', { GroupId: av, Random: ++random, MsgBody: text('x'), To_Account: ['far'] })).toEqual(fail(10004));
  });

  it('send_group_msg: SendMsgControl NoLastMsg leaves the group\'s last message time and its members\' conversations alone', async () => {
    const pub = await create('Public');
    const lastMsgTime = async () => ((await g('get_group_info', { GroupIdList: [pub], ResponseFilter: { GroupBaseInfoFilter: ['LastMsgTime'] } }))['GroupInfo'] as { LastMsgTime: number }[])[0]!.LastMsgTime;
    const listed = async () =>
      ((await rest(SG, 'recentcontact/get_list', app, { From_Account: 'mem', TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0, AssistFlags: 0 })).body['SessionItem'] as { GroupId?: string }[]).some((x) => x.GroupId === pub);
    expect(await g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('quiet'), SendMsgControl: ['NoLastMsg'] })).toMatchObject({ ErrorCode: 0, MsgSeq: expect.any(Number) });
    expect(await lastMsgTime()).toBe(0);
    expect(await listed()).toBe(false);
    const sent = await g('send_group_msg', { GroupId: pub, Random: ++random, MsgBody: text('loud') });
    expect(await lastMsgTime()).toBe(sent['MsgTime']);
    expect(await listed()).toBe(true);
  });

  it('send_group_msg: From_Account must be an existing account (AVChatRoom too)', async () => {
    const av = (await g('create_group', { Owner_Account: 'own', Type: 'AVChatRoom', Name: 'live' }))['GroupId'] as string;
    expect(await g('send_group_msg', { GroupId: av, From_Account: 'ghost', Random: ++random, MsgBody: text('x') })).toEqual(fail(10019));
    expect(await g('send_group_msg', { GroupId: av, From_Account: 'mem', Random: ++random, MsgBody: text('x') })).toEqual(ok);
  });

  it('group_msg_recall refuses a malformed MsgSeqList item before recalling any', async () => {
    const pub = await create('Public');
    const sent = await g('send_group_msg', { GroupId: pub, From_Account: 'mem', Random: ++random, MsgBody: text('keep me') });
    expect(await g('group_msg_recall', { GroupId: pub, MsgSeqList: [{ MsgSeq: sent['MsgSeq'] }, {}] })).toEqual(fail(10004));
    const history = await g('group_msg_get_simple', { GroupId: pub, ReqMsgNumber: 20, WithRecalledMsg: 1 });
    expect((history['RspMsgList'] as { MsgSeq: number; IsPlaceMsg: number }[]).find((m) => m.MsgSeq === sent['MsgSeq'])).toMatchObject({ IsPlaceMsg: 0 });
  });

  it('add/delete_group_member refuse a bad Silence or Reason and change nothing', async () => {
    const pub = await create('Public', { MemberList: [{ Member_Account: 'mem' }, { Member_Account: 'far' }] });
    expect(await g('delete_group_member', { GroupId: pub, MemberToDel_Account: ['far'], Reason: 5 })).toEqual(fail(10004));
    expect(await g('delete_group_member', { GroupId: pub, MemberToDel_Account: ['far'], Silence: 2 })).toEqual(fail(10004));
    expect(await g('add_group_member', { GroupId: pub, MemberList: [{ Member_Account: 'new' }], Silence: 'yes' })).toEqual(fail(10004));
    expect((await g('get_role_in_group', { GroupId: pub, User_Account: ['far', 'new'] }))['UserIdList']).toEqual([
      { Member_Account: 'far', Role: 'Member' },
      { Member_Account: 'new', Role: 'NotMember' },
    ]);
  });

  it('modify_group_member_info on an AVChatRoom refuses member data before muting', async () => {
    const av = (await g('create_group', { Owner_Account: 'own', Type: 'AVChatRoom', Name: 'live' }))['GroupId'] as string;
    expect(await g('modify_group_member_info', { GroupId: av, Member_Account: 'mem', MuteTime: 60, NameCard: 'x' })).toEqual(fail(10007));
    expect(await g('get_group_muted_account', { GroupId: av })).toMatchObject({ ErrorCode: 0, MutedAccountList: [] });
  });

  it('refuses bad requests with group codes and changes nothing', async () => {
    expect(await g('get_group_info', {})).toEqual(fail(10004));
    expect(await g('get_group_info', { GroupIdList: Array.from({ length: 51 }, (_, i) => `g${i}`) })).toEqual(fail(10005));
    expect(await g('send_group_msg', { GroupId: 'no-such', Random: 1, MsgBody: text('x') })).toEqual(fail(10010));
    expect(await g('send_group_msg', { GroupId: 'team-1', MsgBody: text('x') })).toEqual(fail(10004));
    expect(await g('send_group_msg', { GroupId: 'team-1', Random: 1, MsgBody: 'x' })).toEqual(fail(90002));
    expect(await g('forbid_send_msg', { GroupId: 'team-1', Members_Account: ['mem'] })).toEqual(fail(10004));
    expect(await g('modify_group_base_info', { GroupId: 'team-1', ApplyJoinOption: 'Sometimes' })).toEqual(fail(10004));
    expect(await g('modify_group_base_info', { GroupId: 'team-1' })).toEqual(fail(10004));
    expect(await g('get_group_info', { GroupIdList: ['team-1'] }, )).toMatchObject({ GroupInfo: [expect.objectContaining({ ApplyJoinOption: 'NeedPermission', InfoSeq: 1 })] });
    expect((await rest(SG, 'group_open_http_svc/get_group_info', app, { GroupIdList: ['team-1'] }, { identifier: 'own', usersig: app.sig('own') })).body).toEqual(fail(10007));
  });
});

describe('group migration', () => {
  let app: TestApp;
  const g = (command: string, body: Record<string, unknown>) => rest(SG, `group_open_http_svc/${command}`, app, body).then((r) => r.body);

  beforeAll(async () => {
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ia', 'ib', 'ic'] });
  });

  afterAll(() => closeTestClients());

  it('imports a group, its members and its messages; unread counts and deletion by sender', async () => {
    const created = Math.floor(Date.now() / 1000) - 86_400;
    const res = await g('import_group', { Owner_Account: 'ia', Type: 'Public', Name: 'old group', CreateTime: created });
    expect(res).toMatchObject({ ErrorCode: 0, GroupId: expect.stringMatching(/^@TGS#2/) });
    const id = res['GroupId'] as string;
    expect((await g('get_group_info', { GroupIdList: [id] }))['GroupInfo']).toEqual([expect.objectContaining({ CreateTime: created })]);
    const members = await g('import_group_member', { GroupId: id, MemberList: [{ Member_Account: 'ib', Role: 'Admin', JoinTime: created + 10 }, { Member_Account: 'ghost' }, { Member_Account: 'ia' }] });
    expect(members['MemberList']).toEqual([
      { Member_Account: 'ib', Result: 1 },
      { Member_Account: 'ghost', Result: 0 },
      { Member_Account: 'ia', Result: 2 },
    ]);
    const msgs = await g('import_group_msg', {
      GroupId: id,
      MsgList: [
        { From_Account: 'ia', SendTime: created + 100, Random: 1, MsgBody: text('first') },
        { From_Account: 'ib', SendTime: created + 200, Random: 2, MsgBody: text('second') },
        { From_Account: 'ib', SendTime: created - 5, Random: 3, MsgBody: text('before the group existed') },
        { From_Account: 'ia', SendTime: created + 300, Random: 4, MsgBody: [{ MsgType: 'TIMImageElem', MsgContent: { UUID: 'x', ImageFormat: 1, ImageInfoArray: [] } }] },
      ],
    });
    expect(msgs['ImportMsgResult']).toEqual([
      { MsgSeq: 1, MsgTime: created + 100, Result: 0 },
      { MsgSeq: 2, MsgTime: created + 200, Result: 0 },
      expect.objectContaining({ MsgSeq: 0, Result: 10004 }),
      expect.objectContaining({ MsgSeq: 0, Result: 10004 }),
    ]);
    const history = await g('group_msg_get_simple', { GroupId: id, ReqMsgNumber: 10 });
    expect((history['RspMsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('second'), text('first')]);

    expect(await g('set_unread_msg_num', { GroupId: id, Member_Account: 'ib', UnreadMsgNum: 2 })).toMatchObject({ ErrorCode: 0 });
    const joined = await g('get_joined_group_list', { Member_Account: 'ib', ResponseFilter: { SelfInfoFilter: ['UnreadMsgNum', 'Role'] } });
    expect(joined['GroupIdList']).toEqual([{ GroupId: id, SelfInfo: { UnreadMsgNum: 2, Role: 'Admin' } }]);

    expect(await g('delete_group_msg_by_sender', { GroupId: id, Sender_Account: 'ib' })).toMatchObject({ ErrorCode: 0 });
    const left = await g('group_msg_get_simple', { GroupId: id, ReqMsgNumber: 10 });
    expect((left['RspMsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text('first')]);
    expect(await g('import_group', { Owner_Account: 'ia', Type: 'AVChatRoom', Name: 'live' })).toEqual(fail(10007));
    expect(await g('import_group_msg', { GroupId: id, MsgList: Array.from({ length: 21 }, (_, i) => ({ From_Account: 'ia', SendTime: created + i, MsgBody: text('x') })) })).toEqual(fail(10005));
  });

  it('import_group_msg moves the members\' conversations only with RecentContactFlag 1', async () => {
    const created = Math.floor(Date.now() / 1000) - 3600;
    const sessions = async () => ((await rest(SG, 'recentcontact/get_list', app, { From_Account: 'ic', TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0, AssistFlags: 0 })).body['SessionItem'] as { GroupId?: string; MsgTime: number }[]);
    const quiet = (await g('import_group', { Owner_Account: 'ic', Type: 'Public', Name: 'quiet import', CreateTime: created }))['GroupId'] as string;
    const loud = (await g('import_group', { Owner_Account: 'ic', Type: 'Public', Name: 'loud import', CreateTime: created }))['GroupId'] as string;
    const msg = (i: number) => ({ From_Account: 'ic', SendTime: created + i, Random: i, MsgBody: text(`m${i}`) });
    expect(await g('import_group_msg', { GroupId: quiet, MsgList: [msg(10)] })).toMatchObject({ ErrorCode: 0, ImportMsgResult: [{ Result: 0 }] });
    expect(await g('import_group_msg', { GroupId: loud, RecentContactFlag: 1, MsgList: [msg(20)] })).toMatchObject({ ErrorCode: 0, ImportMsgResult: [{ Result: 0 }] });
    expect(await g('import_group_msg', { GroupId: loud, RecentContactFlag: 2, MsgList: [msg(30)] })).toEqual(fail(10004));
    const listed = await sessions();
    expect(listed.find((s) => s.GroupId === loud)).toMatchObject({ MsgTime: created + 20 });
    expect(listed.find((s) => s.GroupId === quiet)).toBeUndefined();
    // Both groups hold their imported message.
    for (const [id, t] of [[quiet, 'm10'], [loud, 'm20']] as const) {
      expect(((await g('group_msg_get_simple', { GroupId: id, ReqMsgNumber: 5 }))['RspMsgList'] as { MsgBody: unknown }[]).map((m) => m.MsgBody)).toEqual([text(t)]);
    }
  });

  it('import_group_msg refuses a malformed item before storing any', async () => {
    const created = Math.floor(Date.now() / 1000) - 3600;
    const id = (await g('import_group', { Owner_Account: 'ia', Type: 'Public', Name: 'strict import', CreateTime: created }))['GroupId'] as string;
    const good = { From_Account: 'ia', SendTime: created + 10, Random: 1, MsgBody: text('good') };
    expect(await g('import_group_msg', { GroupId: id, MsgList: [good, { ...good, SendTime: created + 20, From_Account: 5 }] })).toEqual(fail(60015));
    expect(await g('import_group_msg', { GroupId: id, MsgList: [good, { ...good, SendTime: 'soon' }] })).toEqual(fail(10004));
    expect(await g('group_msg_get_simple', { GroupId: id, ReqMsgNumber: 20 })).toMatchObject({ ErrorCode: 0, RspMsgList: [] });
  });

  it('delete_group_msg_by_sender is not for AVChatRooms: 10035', async () => {
    const live = (await g('create_group', { Owner_Account: 'ia', Type: 'AVChatRoom', Name: 'live' }))['GroupId'] as string;
    expect(await g('delete_group_msg_by_sender', { GroupId: live, Sender_Account: 'ia' })).toEqual(fail(10035));
  });

  it('import_group: MaxMemberCount defaults to 2000 and is at most 6000', async () => {
    const work = (await g('import_group', { Owner_Account: 'ia', Type: 'Private', Name: 'old work group' }))['GroupId'] as string;
    expect((await g('get_group_info', { GroupIdList: [work] }))['GroupInfo']).toEqual([expect.objectContaining({ MaxMemberNum: 2000 })]);
    expect(await g('import_group', { Owner_Account: 'ia', Type: 'Public', Name: 'too big', MaxMemberCount: 6001 })).toEqual(fail(10004));
  });
});

describe('group app settings', () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const g = (command: string, body: Record<string, unknown>) => rest(SG, `group_open_http_svc/${command}`, app, body).then((r) => r.body);
  const settings = () => testClients(SG).service<groupV1.GroupServiceClient>('group');
  const wsAs = async (user: string) => {
    const c = await TestWsClient.connect(SG);
    await c.login({ sdkAppId: app.sdkAppId, userId: user, userSig: app.sig(user), platform: 'Web' });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['sa', 'sb', 'sc'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('enforces declared custom fields with read/write levels and per-app member limits', async () => {
    const declared = {
      groupFields: [
        { key: 'Topic', maxLength: 16, readLevel: 'Anyone', writeLevel: 'Admin' },
        { key: 'Secret', maxLength: 32, readLevel: 'Owner', writeLevel: 'Owner' },
      ],
      memberFields: [{ key: 'Level', maxLength: 4, readLevel: 'Member', writeLevel: 'AppAdmin' }],
      maxMembersWork: 0,
      maxMembersPublic: 3,
      maxMembersMeeting: 0,
    };
    expect((await settings().setAppSettings({ sdkAppId: app.sdkAppId, settings: declared })).settings).toMatchObject({ maxMembersPublic: 3 });
    const res = await g('create_group', { Owner_Account: 'sa', Type: 'Public', Name: 'club', AppDefinedData: [{ Key: 'Topic', Value: 'chess' }, { Key: 'Secret', Value: 'xyz' }], MemberList: [{ Member_Account: 'sb', AppMemberDefinedData: [{ Key: 'Level', Value: '7' }] }] });
    expect(res).toMatchObject({ ErrorCode: 0 });
    const id = res['GroupId'] as string;
    expect(await g('create_group', { Owner_Account: 'sa', Type: 'Public', Name: 'x', AppDefinedData: [{ Key: 'Undeclared', Value: '1' }] })).toEqual(fail(10004));
    expect(await g('create_group', { Owner_Account: 'sa', Type: 'Public', Name: 'x', AppDefinedData: [{ Key: 'Topic', Value: 'x'.repeat(17) }] })).toEqual(fail(10004));
    expect(await g('create_group', { Owner_Account: 'sa', Type: 'Public', Name: 'x', MaxMemberCount: 4 })).toEqual(fail(10004));

    // A plain member reads Topic but not Secret; the app admin reads both.
    const sb = await wsAs('sb');
    const seen = await sb.request('req', { cmd: 'group.get_group_info', body: { GroupIdList: [id] } });
    const info = (seen.body as { GroupInfo: { AppDefinedData: unknown[]; MemberList: { Member_Account: string; AppMemberDefinedData: unknown[] }[] }[] }).GroupInfo[0]!;
    expect(info.AppDefinedData).toEqual([{ Key: 'Topic', Value: 'chess' }]);
    expect(info.MemberList.find((m) => m.Member_Account === 'sb')!.AppMemberDefinedData).toEqual([{ Key: 'Level', Value: '7' }]);
    expect(((await g('get_group_info', { GroupIdList: [id] }))['GroupInfo'] as { AppDefinedData: unknown[] }[])[0]!.AppDefinedData).toHaveLength(2);

    // Writes by level: a member may not write Topic (Admin), the owner may; Level is AppAdmin only.
    expect(await sb.request('req', { cmd: 'group.modify_group_base_info', body: { GroupId: id, AppDefinedData: [{ Key: 'Topic', Value: 'go' }] } })).toMatchObject({ code: 10007 });
    const sa = await wsAs('sa');
    expect(await sa.request('req', { cmd: 'group.modify_group_base_info', body: { GroupId: id, AppDefinedData: [{ Key: 'Topic', Value: 'go' }] } })).toMatchObject({ code: 0 });
    expect(await sa.request('req', { cmd: 'group.modify_group_member_info', body: { GroupId: id, Member_Account: 'sb', AppMemberDefinedData: [{ Key: 'Level', Value: '9' }] } })).toMatchObject({ code: 10007 });
    expect(await g('modify_group_member_info', { GroupId: id, Member_Account: 'sb', AppMemberDefinedData: [{ Key: 'Level', Value: '9' }] })).toMatchObject({ ErrorCode: 0 });

    // The app's Public limit is 3 members.
    expect(await g('add_group_member', { GroupId: id, MemberList: [{ Member_Account: 'sc' }] })).toMatchObject({ ErrorCode: 0 });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['sd'] });
    expect(await g('add_group_member', { GroupId: id, MemberList: [{ Member_Account: 'sd' }] })).toEqual(fail(10014));

    // Declared fields cannot be removed; bad declarations are refused.
    await expect(settings().setAppSettings({ sdkAppId: app.sdkAppId, settings: { ...declared, groupFields: declared.groupFields.slice(0, 1) } })).rejects.toMatchObject({ code: 10004 });
    await expect(settings().setAppSettings({ sdkAppId: app.sdkAppId, settings: { ...declared, memberFields: [...declared.memberFields, { key: 'Big', maxLength: 65, readLevel: 'Member', writeLevel: 'Member' }] } })).rejects.toMatchObject({ code: 10004 });
    await expect(settings().setAppSettings({ sdkAppId: app.sdkAppId, settings: { ...declared, maxMembersWork: 7000 } })).rejects.toMatchObject({ code: 10004 });
  });
});
