import Redis from 'ioredis';
import mongoose from 'mongoose';
import type { authV1 } from '@meridian/proto';
import { NO_CHANGES, TEST_NAMESPACE, TestWsClient, authClient, closeTestClients, createTestApp, eventually, rest, testTopology, type TestApp } from '@meridian/testing';
import { ConversationsService } from './conversations.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0 });
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
let random = 50_000;

type Session = { Type: number; To_Account?: string; GroupId?: string; MsgTime: number; TopFlag: number };

async function online(region: string, app: TestApp, userId: string, platform = 'Web'): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
  return c;
}

async function send(app: TestApp, from: string, to: string, t: string, extra: Record<string, unknown> = {}) {
  const res = await rest(SG, 'openim/sendmsg', app, { From_Account: from, To_Account: to, MsgRandom: ++random, MsgBody: text(t), ...extra });
  expect(res.body.ErrorCode).toBe(0);
  return res.body as unknown as { MsgKey: string; MsgSeq: number; MsgTime: number };
}

async function unread(app: TestApp, owner: string, peers?: string[]) {
  return (await rest(SG, 'openim/get_c2c_unread_msg_num', app, { To_Account: owner, ...(peers ? { Peer_Account: peers } : {}) })).body;
}

/** Every page of a user's REST conversation list, following the cursors. */
async function allSessions(app: TestApp, owner: string, flags = 7): Promise<{ items: Session[]; pages: number }> {
  const items: Session[] = [];
  let cursor = { TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0 };
  for (let pages = 1; pages < 20; pages++) {
    const res = await rest(SG, 'recentcontact/get_list', app, { From_Account: owner, ...cursor, AssistFlags: flags });
    expect(res.body).toEqual(expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0, ErrorDisplay: '' }));
    items.push(...(res.body['SessionItem'] as Session[]));
    if (res.body['CompleteFlag'] === 1) return { items, pages };
    cursor = { TimeStamp: res.body['TimeStamp'] as number, StartIndex: res.body['StartIndex'] as number, TopTimeStamp: res.body['TopTimeStamp'] as number, TopStartIndex: res.body['TopStartIndex'] as number };
  }
  throw new Error('get_list never completed');
}

describe(ConversationsService.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const track = (c: TestWsClient) => (clients.push(c), c);

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ann', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('counts unread per conversation and in total; a client read report lowers it and tells the peer', async () => {
    await send(app, 'ben', 'ann', 'one');
    await send(app, 'ben', 'ann', 'two');
    await send(app, 'cat', 'ann', 'three');
    await send(app, 'ann', 'ben', 'my own message is never unread to me');
    expect(await eventually(async () => (await unread(app, 'ann')).AllC2CUnreadMsgNum === 3)).toBe(true);
    expect(await unread(app, 'ann', ['ben', 'cat', 'dan'])).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      AllC2CUnreadMsgNum: 3,
      C2CUnreadMsgNumList: [
        { Peer_Account: 'ben', C2CUnreadMsgNum: 2 },
        { Peer_Account: 'cat', C2CUnreadMsgNum: 1 },
        { Peer_Account: 'dan', C2CUnreadMsgNum: 0 },
      ],
    });

    const ben = track(await online(FRA, app, 'ben'));
    const annPhone = track(await online(SG, app, 'ann', 'Android'));
    const annLaptop = track(await online(FRA, app, 'ann', 'Mac'));
    const read = await annPhone.request('req', { cmd: 'chat.read', body: { peer: 'ben' } });
    expect(read).toMatchObject({ code: 0, body: { MsgReadSeq: 3, UnreadMsgNum: 0 } });
    // The peer learns how far ann has read (in another region), and so does ann's other device.
    for (const c of [ben, annLaptop]) {
      const receipt = await c.waitFor((f) => f.t === 'push' && f.kind === 'c2c_read');
      expect(receipt.body).toMatchObject({ ConversationId: 'c2c:ann:ben', Report_Account: 'ann', Peer_Account: 'ben', MsgReadSeq: 3 });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(annPhone.frames.filter((f) => f.kind === 'c2c_read')).toEqual([]);
    expect((await unread(app, 'ann', ['ben'])).C2CUnreadMsgNumList).toEqual([{ Peer_Account: 'ben', C2CUnreadMsgNum: 0 }]);
    expect((await unread(app, 'ann')).AllC2CUnreadMsgNum).toBe(1);

    // History shows ben which of his messages ann has read; a repeated report changes nothing.
    const roam = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'ben', Peer_Account: 'ann', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    const list = roam.body['MsgList'] as { From_Account: string; IsPeerRead: number }[];
    expect(list.filter((m) => m.From_Account === 'ben').map((m) => m.IsPeerRead)).toEqual([1, 1]);
    expect(await annPhone.request('req', { cmd: 'chat.read', body: { peer: 'ben', MsgSeq: 1 } })).toMatchObject({ code: 0, body: { MsgReadSeq: 3 } });
  });

  it('admin_set_msg_read marks messages read up to MsgReadTime (default now)', async () => {
    const first = await send(app, 'dan', 'eve', 'early');
    await new Promise((r) => setTimeout(r, 1100));
    await send(app, 'dan', 'eve', 'late');
    expect(await eventually(async () => (await unread(app, 'eve')).AllC2CUnreadMsgNum === 2)).toBe(true);
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 'eve', Peer_Account: 'dan', MsgReadTime: String(first.MsgTime) })).body).toEqual(ok);
    expect((await unread(app, 'eve')).AllC2CUnreadMsgNum).toBe(1);
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 'eve', Peer_Account: 'dan' })).body).toEqual(ok);
    expect((await unread(app, 'eve')).AllC2CUnreadMsgNum).toBe(0);
  });

  it('refuses bad read and unread requests with Tencent codes and changes nothing', async () => {
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Peer_Account: 'dan' })).body).toEqual(fail(70402));
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 7, Peer_Account: 'dan' })).body).toEqual(fail(60015));
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 'eve', Peer_Account: 'dan', MsgReadTime: 'yesterday' })).body).toEqual(fail(70402));
    expect((await rest(SG, 'openim/admin_set_msg_read', app, { Report_Account: 'eve', Peer_Account: 'no-such-user' })).body).toEqual(fail(70107));
    const peers = Array.from({ length: 11 }, (_, i) => `p${i}`);
    expect(await unread(app, 'ann', peers)).toEqual(fail(70206));
    expect(await unread(app, 'ann', ['ok-format', 'bad:id'])).toMatchObject({ ErrorCode: 0, ErrorList: [{ Peer_Account: 'bad:id', ErrorCode: 70402 }] });
    expect((await rest(SG, 'openim/get_c2c_unread_msg_num', app, {})).body).toEqual(fail(90003));
    const annWs = track(await online(SG, app, 'ann', 'iPad'));
    expect(await annWs.request('req', { cmd: 'chat.read', body: {} })).toMatchObject({ code: 70402 });
  });

  it('lists conversations newest first, pinned first, paged by Tencent cursors; delete removes one until the next message', async () => {
    for (const peer of ['ann', 'ben', 'cat', 'dan', 'eve']) {
      await send(app, peer, 'gus', `hi gus from ${peer}`);
      await new Promise((r) => setTimeout(r, 1050)); // distinct MsgTime seconds
    }
    const gus = track(await online(SG, app, 'gus'));
    expect(await gus.request('req', { cmd: 'chat.conversation_pin', body: { peer: 'ben' } })).toMatchObject({ code: 0 });
    let listed: { items: Session[]; pages: number } = { items: [], pages: 0 };
    expect(await eventually(async () => (listed = await allSessions(app, 'gus')).items.length === 5)).toBe(true);
    // Page size is 3 on the test platform: two pages, pinned ben first, then newest first.
    expect(listed.pages).toBe(2);
    expect(listed.items.map((s) => [s.To_Account, s.TopFlag])).toEqual([
      ['ben', 1],
      ['eve', 0],
      ['dan', 0],
      ['cat', 0],
      ['ann', 0],
    ]);
    expect(listed.items.every((s) => s.Type === 1 && s.MsgTime > 1_700_000_000)).toBe(true);
    // Without AssistFlags bit 0 pinned conversations take their place by time.
    expect((await allSessions(app, 'gus', 0)).items.map((s) => s.To_Account)).toEqual(['eve', 'dan', 'cat', 'ben', 'ann']);

    // The client's view carries the last message, unread counts and read positions.
    const view = await gus.request('req', { cmd: 'chat.conversations', body: { limit: 2 } });
    expect(view.body).toMatchObject({ complete: false, conversations: [{ peer: 'ben', pinned: true, unread: 1 }, { peer: 'eve', unread: 1, lastMessage: { MsgBody: text('hi gus from eve') } }] });

    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'gus', Type: 1, To_Account: 'cat' })).body).toEqual(expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0, ErrorDisplay: '' }));
    expect((await allSessions(app, 'gus')).items.map((s) => s.To_Account)).toEqual(['ben', 'eve', 'dan', 'ann']);
    // Deleting a conversation reads it; its history stays without ClearRamble.
    expect((await unread(app, 'gus', ['cat'])).C2CUnreadMsgNumList).toEqual([{ Peer_Account: 'cat', C2CUnreadMsgNum: 0 }]);
    await send(app, 'cat', 'gus', 'back again');
    expect(await eventually(async () => (await allSessions(app, 'gus')).items[1]?.To_Account === 'cat')).toBe(true);

    // ClearRamble hides the history from gus (not from ann).
    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'gus', Type: 1, To_Account: 'ann', ClearRamble: 1 })).body).toMatchObject({ ErrorCode: 0 });
    const hidden = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'gus', Peer_Account: 'ann', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    expect(hidden.body['MsgList']).toEqual([]);
    const kept = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'ann', Peer_Account: 'gus', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    expect(kept.body['MsgCnt']).toBe(1);
  });

  it('refuses bad conversation requests', async () => {
    expect((await rest(SG, 'recentcontact/get_list', app, { TimeStamp: 0 })).body).toEqual(fail(70402));
    expect((await rest(SG, 'recentcontact/get_list', app, { From_Account: 'gus', TimeStamp: -1 })).body).toEqual(fail(70402));
    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'gus', Type: 3, To_Account: 'ann' })).body).toEqual(fail(70402));
    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'gus', Type: 2 })).body).toEqual(fail(70402));
    expect((await rest(SG, 'recentcontact/delete', app, { From_Account: 'gus', Type: 1, To_Account: 'ann', ClearRamble: 2 })).body).toEqual(fail(70402));
    // recentcontact's own "requires an app admin" code.
    expect((await rest(SG, 'recentcontact/get_list', app, { From_Account: 'gus' }, { identifier: 'gus', usersig: app.sig('gus') })).body).toEqual(fail(50003));
  });

  it('SendMsgControl NoUnread and NoLastMsg leave unread counts and the last message alone', async () => {
    await send(app, 'fay', 'dan', 'counted');
    await send(app, 'fay', 'dan', 'silent', { SendMsgControl: ['NoUnread', 'NoLastMsg'] });
    const dan = track(await online(SG, app, 'dan', 'PC'));
    let conv: Record<string, unknown> | undefined;
    expect(
      await eventually(async () => {
        const res = await dan.request('req', { cmd: 'chat.conversations', body: {} });
        conv = (res.body!['conversations'] as Record<string, unknown>[]).find((c) => c['peer'] === 'fay');
        return conv !== undefined;
      }),
    ).toBe(true);
    expect(conv).toMatchObject({ unread: 1, lastMessage: { MsgBody: text('counted') } });
  });
});

describe('importmsg, modify_c2c_msg and app-wide mute', () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ivy', 'jon', 'kim'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  const roam = async (operator: string, peer: string) =>
    (await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: operator, Peer_Account: peer, MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 })).body['MsgList'] as {
      MsgBody: unknown;
      MsgTimeStamp: number;
      MsgKey: string;
      CloudCustomData: string;
    }[];

  it('imports history once per (MsgSeq, MsgRandom, MsgTimeStamp), either direction; history imports are not unread', async () => {
    const t = Math.floor(Date.now() / 1000) - 3600;
    const imp = (b: Record<string, unknown>) => rest(SG, 'openim/importmsg', app, { SyncFromOldSystem: 2, From_Account: 'ivy', To_Account: 'jon', MsgSeq: 7, MsgRandom: 77, MsgTimeStamp: t, MsgBody: text('from the old system'), ...b }).then((r) => r.body);
    expect(await imp({})).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect(await imp({ MsgBody: text('a different body, same key') })).toEqual(expect.objectContaining({ ErrorCode: 0 }));
    expect(await imp({ From_Account: 'jon', To_Account: 'ivy' })).toEqual(expect.objectContaining({ ErrorCode: 0 }));
    expect(await imp({ MsgSeq: 8, SyncFromOldSystem: 1, MsgTimeStamp: t + 1, MsgBody: text('realtime import') })).toEqual(expect.objectContaining({ ErrorCode: 0 }));
    const history = await roam('jon', 'ivy');
    expect(history.map((m) => [m.MsgBody, m.MsgTimeStamp])).toEqual([
      [text('realtime import'), t + 1],
      [text('from the old system'), t],
    ]);
    expect(await eventually(async () => (await rest(SG, 'openim/get_c2c_unread_msg_num', app, { To_Account: 'jon' })).body['AllC2CUnreadMsgNum'] === 1)).toBe(true);
    // Bad imports change nothing.
    expect(await imp({ SyncFromOldSystem: 3, MsgSeq: 9 })).toEqual(fail(70402));
    expect(await imp({ MsgTimeStamp: undefined, MsgSeq: 9 })).toEqual(fail(70402));
    expect(await imp({ MsgTimeStamp: Math.floor(Date.now() / 1000) + 86_400, MsgSeq: 9 })).toEqual(fail(70402));
    expect(await imp({ MsgRandom: undefined, MsgSeq: 9 })).toEqual(fail(90005));
    expect(await imp({ MsgBody: 'text', MsgSeq: 9 })).toEqual(fail(90002));
    expect(await imp({ To_Account: 'nobody', MsgSeq: 9 })).toEqual(fail(90012));
    expect(await roam('jon', 'ivy')).toHaveLength(2);
  });

  it('modify_c2c_msg overwrites MsgBody and CloudCustomData; both parties are told', async () => {
    const kim = await online(FRA, app, 'kim');
    clients.push(kim);
    const sent = await rest(SG, 'openim/sendmsg', app, { From_Account: 'ivy', To_Account: 'kim', MsgRandom: ++random, MsgBody: text('typo'), CloudCustomData: 'v1' });
    const key = String(sent.body['MsgKey']);
    expect((await rest(SG, 'openim/modify_c2c_msg', app, { From_Account: 'ivy', To_Account: 'kim', MsgKey: key, MsgBody: text('fixed') })).body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    expect((await rest(SG, 'openim/modify_c2c_msg', app, { From_Account: 'ivy', To_Account: 'kim', MsgKey: key, CloudCustomData: 'v2' })).body).toMatchObject({ ErrorCode: 0 });
    expect((await roam('kim', 'ivy')).map((m) => [m.MsgBody, m.CloudCustomData])).toEqual([[text('fixed'), 'v2']]);
    const notice = await kim.waitFor((f) => f.t === 'push' && f.kind === 'c2c_modify');
    expect(notice.body).toMatchObject({ MsgKey: key, MsgBody: text('fixed'), ConversationId: 'c2c:ivy:kim' });

    const modify = (b: Record<string, unknown>) => rest(SG, 'openim/modify_c2c_msg', app, { From_Account: 'ivy', To_Account: 'kim', MsgKey: key, MsgBody: text('again'), ...b }).then((r) => r.body);
    expect(await modify({ MsgKey: 'garbage' })).toEqual(fail(90054));
    expect(await modify({ MsgKey: '999_1_1' })).toEqual(fail(20022));
    expect(await modify({ From_Account: 'kim', To_Account: 'ivy' })).toEqual(fail(20022));
    expect(await modify({ MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x'.repeat(13 * 1024) } }] })).toEqual(fail(93000));
    expect(await rest(SG, 'openim/modify_c2c_msg', app, { From_Account: 'ivy', To_Account: 'kim', MsgKey: key }).then((r) => r.body)).toEqual(fail(70402));
    expect((await roam('kim', 'ivy')).map((m) => m.MsgBody)).toEqual([text('fixed')]);
  });

  it('setnospeaking mutes a user app-wide for client 1:1 sends; getnospeaking shows the time left', async () => {
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'jon', C2CmsgNospeakingTime: 600 })).body).toMatchObject({ ErrorCode: 0 });
    const left = (await rest(SG, 'openconfigsvr/getnospeaking', app, { Get_Account: 'jon' })).body;
    expect(left).toMatchObject({ ErrorCode: 0, GroupmsgNospeakingTime: 0 });
    expect(left['C2CmsgNospeakingTime']).toBeGreaterThan(590);
    expect(left['C2CmsgNospeakingTime']).toBeLessThanOrEqual(600);

    const jon = await online(SG, app, 'jon');
    clients.push(jon);
    // jon's account is cached by chat (his import above); the mute reaches it by event (ms).
    expect(await eventually(async () => (await jon.request('req', { cmd: 'chat.send', body: { To_Account: 'ivy', MsgRandom: ++random, MsgBody: text('muted?') } })).code === 20012, 10_000, 20)).toBe(true);
    // Admin sends are not subject to the mute (Tencent).
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'jon', To_Account: 'ivy', MsgRandom: ++random, MsgBody: text('by admin') })).body.ErrorCode).toBe(0);

    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'jon', GroupmsgNospeakingTime: 4294967295 })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'openconfigsvr/getnospeaking', app, { Get_Account: 'jon' })).body).toMatchObject({ GroupmsgNospeakingTime: 4294967295 });
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'jon', C2CmsgNospeakingTime: 0 })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'openconfigsvr/getnospeaking', app, { Get_Account: 'jon' })).body).toMatchObject({ C2CmsgNospeakingTime: 0, GroupmsgNospeakingTime: 4294967295 });
    expect(await jon.request('req', { cmd: 'chat.send', body: { To_Account: 'ivy', MsgRandom: ++random, MsgBody: text('free again') } })).toMatchObject({ code: 0 });

    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'jon' })).body).toEqual(fail(70402));
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'jon', C2CmsgNospeakingTime: -5 })).body).toEqual(fail(70402));
    expect((await rest(SG, 'openconfigsvr/setnospeaking', app, { Set_Account: 'ghost', C2CmsgNospeakingTime: 5 })).body).toEqual(fail(70107));
    expect((await rest(SG, 'openconfigsvr/getnospeaking', app, {})).body).toEqual(fail(70402));
  });
});

describe('retention', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['old', 'new', 'wk1', 'wk2'] });
  });

  afterAll(() => closeTestClients());

  it('keeps messages for the app\'s roaming period, set per app', async () => {
    const other = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', other, { Accounts: ['old', 'new'] });
    await authClient(SG).updateApp({ ...NO_CHANGES, sdkAppId: other.sdkAppId, hasRoaming: true, roamingDays: 30 });
    await expect(authClient(SG).updateApp({ ...NO_CHANGES, sdkAppId: other.sdkAppId, hasRoaming: true, roamingDays: 361 })).rejects.toMatchObject({ code: 70402 });
    const long = await send(other, 'old', 'new', 'kept a month');
    const short = await send(app, 'wk1', 'wk2', 'kept a week');
    const conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region(SG).mongoDatabase}_chat` }).asPromise();
    try {
      const keptFor = async (a: TestApp, conv: string, seq: number) => {
        const doc = await conn.collection('c2c_messages').findOne({ _id: `${a.sdkAppId}:${conv}:${String(seq).padStart(12, '0')}` as never });
        return Math.round(((doc!['expiresAt'] as Date).getTime() / 1000 - (doc!['time'] as number)) / 86_400);
      };
      expect(await keptFor(other, 'c2c:new:old', long.MsgSeq)).toBe(30);
      expect(await keptFor(app, 'c2c:wk1:wk2', short.MsgSeq)).toBe(7);
    } finally {
      await conn.close();
    }
  });

  it('purges messages past MsgLifeTime and their conversation; sequences continue after a Redis loss', async () => {
    const first = await send(app, 'old', 'new', 'short-lived', { MsgLifeTime: 1 });
    expect(first.MsgSeq).toBe(1);
    const conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region(SG).mongoDatabase}_chat` }).asPromise();
    try {
      const stored = () => conn.collection('c2c_messages').countDocuments({ _id: `${app.sdkAppId}:c2c:new:old:000000000001` as never });
      expect(await stored()).toBe(1);
      expect(await eventually(async () => (await stored()) === 0, 15_000, 250)).toBe(true);
      expect(await eventually(async () => (await allSessions(app, 'new')).items.length === 0, 15_000, 250)).toBe(true);
    } finally {
      await conn.close();
    }
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const keys = await redis.keys(`${TEST_NAMESPACE}:*:chat:seq:${app.sdkAppId}:c2c:new:old`);
    expect(keys.length).toBe(1);
    await redis.del(...keys);
    redis.disconnect();
    // Nothing is stored any more, yet the number is not reused: the purge left a floor.
    expect((await send(app, 'new', 'old', 'after the purge')).MsgSeq).toBe(2);
  });
});
