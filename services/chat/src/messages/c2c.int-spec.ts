import Redis from 'ioredis';
import type { authV1 } from '@meridian/proto';
import { NO_CHANGES, TEST_NAMESPACE, TestWsClient, authClient, closeTestClients, createTestApp, rest, testTopology, type TestApp } from '@meridian/testing';
import { MessagesService } from './messages.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
let random = 1000;

async function online(region: string, app: TestApp, userId: string, platform = 'Web'): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
  return c;
}

async function roam(app: TestApp, operator: string, peer: string): Promise<{ MsgSeq: number; MsgBody: unknown; From_Account: string }[]> {
  const res = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: operator, Peer_Account: peer, MaxCnt: 100, MinTime: 0, MaxTime: 4_000_000_000 });
  expect(res.body.ErrorCode).toBe(0);
  return res.body['MsgList'] as { MsgSeq: number; MsgBody: unknown; From_Account: string }[];
}

describe(MessagesService.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];
  const track = (c: TestWsClient) => (clients.push(c), c);

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['alice', 'bob', 'carol', 'dave'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('REST sendmsg stores the message, answers MsgSeq/MsgTime/MsgKey and delivers it to the recipient in another region', async () => {
    const alice = track(await online(FRA, app, 'alice'));
    const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'bob', To_Account: 'alice', MsgRandom: ++random, MsgBody: text('hello alice') });
    expect(res.body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', MsgTime: expect.any(Number), MsgKey: expect.stringMatching(/^1_\d+_\d+$/), MsgSeq: 1 });
    const push = await alice.waitFor((f) => f.t === 'push');
    expect(push.body).toMatchObject({ ConversationId: 'c2c:alice:bob', MsgSeq: 1, From_Account: 'bob', To_Account: 'alice', MsgBody: text('hello alice'), MsgKey: res.body['MsgKey'] });
    expect(await roam(app, 'alice', 'bob')).toEqual([expect.objectContaining({ MsgSeq: 1, From_Account: 'bob', MsgBody: text('hello alice') })]);
  });

  it('round-trips every element type through storage', async () => {
    const body = [
      { MsgType: 'TIMTextElem', MsgContent: { Text: 'all types' } },
      { MsgType: 'TIMFaceElem', MsgContent: { Index: 3, Data: 'wink' } },
      { MsgType: 'TIMLocationElem', MsgContent: { Desc: 'Marina Bay', Latitude: 1.2834, Longitude: 103.8607 } },
      { MsgType: 'TIMCustomElem', MsgContent: { Data: '{"redPacket":88}', Desc: 'red packet', Ext: 'x', Sound: 'coin.caf' } },
      { MsgType: 'TIMSoundElem', MsgContent: { Url: 'https://cdn/x.m4a', UUID: 's1', Size: 2048, Second: 3, Download_Flag: 2 } },
      { MsgType: 'TIMImageElem', MsgContent: { UUID: 'i1', ImageFormat: 1, ImageInfoArray: [{ Type: 1, Size: 100, Width: 10, Height: 10, URL: 'https://cdn/i.jpg' }] } },
      { MsgType: 'TIMFileElem', MsgContent: { Url: 'https://cdn/f.pdf', UUID: 'f1', FileSize: 1000, FileName: 'f.pdf', Download_Flag: 2 } },
      { MsgType: 'TIMVideoFileElem', MsgContent: { VideoUrl: 'https://cdn/v.mp4', VideoUUID: 'v1', VideoSize: 9, VideoSecond: 4, VideoFormat: 'mp4', VideoDownloadFlag: 2, ThumbUrl: 'https://cdn/t.jpg', ThumbUUID: 't1', ThumbSize: 5, ThumbWidth: 3, ThumbHeight: 3, ThumbFormat: 'jpg', ThumbDownloadFlag: 2 } },
      { MsgType: 'TIMRelayElem', MsgContent: { Title: 'chat history', MsgNum: 1, CompatibleText: 'upgrade to view', AbstractList: ['bob: hi'], MsgList: [] } },
    ];
    const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'carol', To_Account: 'dave', MsgRandom: ++random, MsgBody: body, CloudCustomData: 'cc' });
    expect(res.body.ErrorCode).toBe(0);
    const stored = await roam(app, 'dave', 'carol');
    expect(stored).toEqual([expect.objectContaining({ MsgBody: body, CloudCustomData: 'cc' })]);
  });

  it('refuses an invalid OfflinePushInfo (90001 for 1:1, 10004 for groups) and stores nothing', async () => {
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['pia', 'quo'] });
    const bad = [{ PushFlag: 'yes' }, { Title: 7 }, { ApnsInfo: { BadgeMode: 3 } }, { AndroidInfo: 'x' }];
    for (const OfflinePushInfo of bad) {
      const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'pia', To_Account: 'quo', MsgRandom: ++random, MsgBody: text('bad push'), OfflinePushInfo });
      expect({ OfflinePushInfo, body: res.body }).toEqual({ OfflinePushInfo, body: fail(90001) });
    }
    expect((await roam(app, 'pia', 'quo')).map((m) => m.MsgBody)).toEqual([]);
    const ok = await rest(SG, 'openim/sendmsg', app, { From_Account: 'pia', To_Account: 'quo', MsgRandom: ++random, MsgBody: text('good push'), OfflinePushInfo: { PushFlag: 0, Title: 'hi', ApnsInfo: { BadgeMode: 1 } } });
    expect(ok.body).toMatchObject({ ErrorCode: 0 });
    const GroupId = (await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'pia', Type: 'Public', Name: 'push' })).body['GroupId'] as string;
    const group = await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId, From_Account: 'pia', Random: ++random, MsgBody: text('bad push'), OfflinePushInfo: { PushFlag: 'no' } });
    expect(group.body).toEqual(fail(10004));
  });

  it('returns the first result for a retry with the same MsgRandom, storing one message', async () => {
    const r = ++random;
    const first = await rest(SG, 'openim/sendmsg', app, { From_Account: 'carol', To_Account: 'bob', MsgRandom: r, MsgBody: text('once') });
    const again = await rest(SG, 'openim/sendmsg', app, { From_Account: 'carol', To_Account: 'bob', MsgRandom: r, MsgBody: text('once') });
    expect(again.body).toEqual(first.body);
    expect((await roam(app, 'bob', 'carol')).map((m) => m.MsgBody)).toEqual([text('once')]);
  });

  it('a retry whose claim Redis lost finds the stored copy instead of storing a second one', async () => {
    const r = ++random;
    const first = await rest(SG, 'openim/sendmsg', app, { From_Account: 'alice', To_Account: 'bob', MsgRandom: r, MsgBody: text('stored once') });
    expect(first.body.ErrorCode).toBe(0);
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const keys = await redis.keys(`${TEST_NAMESPACE}:*chat:dedupe:${app.sdkAppId}:alice>bob:${r}`);
    expect(keys).toHaveLength(1);
    await redis.del(...keys);
    redis.disconnect();
    const again = await rest(SG, 'openim/sendmsg', app, { From_Account: 'alice', To_Account: 'bob', MsgRandom: r, MsgBody: text('stored once') });
    expect(again.body).toMatchObject({ ErrorCode: 0, MsgSeq: first.body['MsgSeq'], MsgKey: first.body['MsgKey'], MsgTime: first.body['MsgTime'] });
    expect((await roam(app, 'bob', 'alice')).filter((m) => JSON.stringify(m.MsgBody) === JSON.stringify(text('stored once')))).toHaveLength(1);
  });

  it('an offline user catches up on exactly the missed messages, in order, by seq', async () => {
    for (const t of ['m1', 'm2', 'm3']) {
      expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'dave', To_Account: 'bob', MsgRandom: ++random, MsgBody: text(t) })).body.ErrorCode).toBe(0);
    }
    const bob = track(await online(SG, app, 'bob'));
    const page1 = await bob.request('req', { cmd: 'chat.sync', body: { peer: 'dave', afterSeq: 0, limit: 2 } });
    expect(page1.body).toMatchObject({ complete: false, lastSeq: 3 });
    const p1 = page1.body!['messages'] as { MsgSeq: number; MsgBody: unknown }[];
    const page2 = await bob.request('req', { cmd: 'chat.sync', body: { peer: 'dave', afterSeq: p1[p1.length - 1]!.MsgSeq, limit: 2 } });
    const all = [...p1, ...(page2.body!['messages'] as { MsgSeq: number; MsgBody: unknown }[])];
    expect(all.map((m) => m.MsgSeq)).toEqual([1, 2, 3]);
    expect(all.map((m) => m.MsgBody)).toEqual([text('m1'), text('m2'), text('m3')]);
    expect(page2.body).toMatchObject({ complete: true });
  });

  it('a client send reaches the peer and the sender\'s other devices, not the sending device', async () => {
    const phone = track(await online(SG, app, 'carol', 'Android'));
    const laptop = track(await online(FRA, app, 'carol', 'Mac'));
    const peer = track(await online(FRA, app, 'alice', 'Android'));
    const res = await phone.request('req', { cmd: 'chat.send', body: { To_Account: 'alice', MsgRandom: ++random, MsgBody: text('from my phone') } });
    expect(res).toMatchObject({ code: 0, body: { ConversationId: 'c2c:alice:carol', MsgSeq: 1, Duplicate: false } });
    for (const c of [laptop, peer]) expect((await c.waitFor((f) => f.t === 'push')).body).toMatchObject({ MsgBody: text('from my phone'), From_Account: 'carol' });
    await new Promise((r) => setTimeout(r, 300));
    expect(phone.frames.filter((f) => f.t === 'push')).toEqual([]);
  });

  it('refuses a 13 KB message (93000 on REST, 80002 from clients) and stores nothing', async () => {
    const big = text('x'.repeat(13 * 1024));
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'alice', To_Account: 'dave', MsgRandom: ++random, MsgBody: big })).body).toEqual(fail(93000));
    const alice = track(await online(SG, app, 'alice', 'iPad'));
    expect(await alice.request('req', { cmd: 'chat.send', body: { To_Account: 'dave', MsgRandom: ++random, MsgBody: big } })).toMatchObject({ code: 80002 });
    expect(await roam(app, 'alice', 'dave')).toEqual([]);
  });

  it('refuses bad sends with Tencent codes', async () => {
    const send = (b: Record<string, unknown>) => rest(SG, 'openim/sendmsg', app, { From_Account: 'alice', MsgRandom: ++random, MsgBody: text('x'), ...b }).then((r) => r.body);
    expect(await send({ To_Account: 'nobody-here' })).toEqual(fail(90012));
    expect(await rest(SG, 'openim/sendmsg', app, { MsgRandom: 1, MsgBody: text('x') }).then((r) => r.body)).toEqual(fail(90003));
    expect(await rest(SG, 'openim/sendmsg', app, { To_Account: 'bob', MsgBody: text('x') }).then((r) => r.body)).toEqual(fail(90005));
    expect(await send({ To_Account: 'bob', MsgLifeTime: 700_000 })).toEqual(fail(90026));
    expect(await send({ To_Account: 'bob', MsgBody: { Text: 'x' } })).toEqual(fail(90002));
    expect(await send({ To_Account: 'bob', MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 1 } }] })).toEqual(fail(90010));
  });

  it('batchsendmsg sends one message to many, each in its own conversation, with per-recipient errors', async () => {
    const r = ++random;
    const res = await rest(SG, 'openim/batchsendmsg', app, { From_Account: 'dave', To_Account: ['alice', 'carol', 'ghost-user'], MsgRandom: r, MsgBody: text('news for all') });
    expect(res.body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', MsgKey: expect.stringMatching(/^\d+_\d+_\d+$/), ErrorList: [{ To_Account: 'ghost-user', ErrorCode: 90012 }] });
    for (const peer of ['alice', 'carol']) expect((await roam(app, peer, 'dave')).map((m) => m.MsgBody)).toContainEqual(text('news for all'));
    const tooMany = Array.from({ length: 501 }, (_, i) => `u${i}`);
    expect((await rest(SG, 'openim/batchsendmsg', app, { To_Account: tooMany, MsgRandom: ++random, MsgBody: text('x') })).body).toEqual(fail(70206));
    expect((await rest(SG, 'openim/batchsendmsg', app, { To_Account: ['alice'], MsgRandom: ++random, MsgBody: 'x' })).body).toEqual(fail(90002));
    // A malformed account refuses the whole request wherever it stands: nobody gets the message.
    for (const list of [['a:b', 'carol'], ['carol', 'x'.repeat(33)]]) {
      const body = text(`malformed ${list.join(',')}`);
      expect((await rest(SG, 'openim/batchsendmsg', app, { From_Account: 'dave', To_Account: list, MsgRandom: ++random, MsgBody: body })).body).toEqual(fail(70402));
      expect((await roam(app, 'carol', 'dave')).map((m) => m.MsgBody)).not.toContainEqual(body);
    }
  });

  it('online-only messages (MsgLifeTime 0) are delivered but not stored', async () => {
    const dave = track(await online(FRA, app, 'dave', 'PC'));
    const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'alice', To_Account: 'dave', MsgRandom: ++random, MsgLifeTime: 0, MsgBody: text('typing…') });
    expect(res.body).toMatchObject({ ErrorCode: 0, MsgSeq: 0 });
    expect((await dave.waitFor((f) => f.t === 'push')).body).toMatchObject({ MsgBody: text('typing…'), MsgSeq: 0 });
    const stored = (await roam(app, 'alice', 'dave')).map((m) => m.MsgBody);
    expect(stored).toEqual([text('news for all')]);
    expect(stored).not.toContainEqual(text('typing…'));
  });

  it('keeps sequences increasing after Redis loses the counters', async () => {
    const before = await rest(SG, 'openim/sendmsg', app, { From_Account: 'bob', To_Account: 'carol', MsgRandom: ++random, MsgBody: text('before') });
    const redis = new Redis(testTopology().dataPlane.redisUrl);
    const keys = await redis.keys(`${TEST_NAMESPACE}:*:chat:seq:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
    redis.disconnect();
    const after = await rest(SG, 'openim/sendmsg', app, { From_Account: 'bob', To_Account: 'carol', MsgRandom: ++random, MsgBody: text('after') });
    expect(after.body['MsgSeq']).toBe((before.body['MsgSeq'] as number) + 1);
  });

  it('SyncOtherMachine 2 keeps the message out of the sender\'s roaming; the recipient has it', async () => {
    const send = (t: string, extra: Record<string, unknown>) => rest(SG, 'openim/sendmsg', app, { From_Account: 'carol', To_Account: 'alice', MsgRandom: ++random, MsgBody: text(t), ...extra });
    expect((await send('not for my history', { SyncOtherMachine: 2 })).body.ErrorCode).toBe(0);
    expect((await send('for both', {})).body.ErrorCode).toBe(0);
    const senders = (await roam(app, 'carol', 'alice')).map((m) => m.MsgBody);
    expect(senders).toContainEqual(text('for both'));
    expect(senders).not.toContainEqual(text('not for my history'));
    expect((await roam(app, 'alice', 'carol')).map((m) => m.MsgBody).slice(0, 2)).toEqual([text('for both'), text('not for my history')]);
  });
});

describe('recall', () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['sam', 'tia'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('lets the sender recall within the window: both sides are told and history shows it recalled', async () => {
    const sam = await online(SG, app, 'sam');
    const tia = await online(FRA, app, 'tia');
    clients.push(sam, tia);
    const sent = await sam.request('req', { cmd: 'chat.send', body: { To_Account: 'tia', MsgRandom: ++random, MsgBody: text('oops') } });
    const key = String(sent.body!['MsgKey']);
    await tia.waitFor((f) => f.t === 'push' && f.kind === 'c2c');
    // Only the sender may recall.
    expect(await tia.request('req', { cmd: 'chat.recall', body: { peer: 'sam', MsgKey: key } })).toMatchObject({ code: 20022 });
    expect(await sam.request('req', { cmd: 'chat.recall', body: { peer: 'tia', MsgKey: key } })).toMatchObject({ code: 0 });
    for (const c of [sam, tia]) {
      expect(await c.waitFor((f) => f.t === 'push' && f.kind === 'c2c_recall')).toMatchObject({ body: { MsgKey: key, ConversationId: 'c2c:sam:tia' } });
    }
    const history = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'tia', Peer_Account: 'sam', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    expect(history.body['MsgList']).toEqual([expect.objectContaining({ MsgKey: key, MsgFlagBits: 8, MsgBody: [] })]);
    expect(await sam.request('req', { cmd: 'chat.recall', body: { peer: 'tia', MsgKey: key } })).toMatchObject({ code: 20023 });
    expect(await sam.request('req', { cmd: 'chat.recall', body: { peer: 'tia', MsgKey: 'not-a-key' } })).toMatchObject({ code: 90054 });
  });

  it('refuses a sender recall after the window; an admin recalls at any time', async () => {
    // An app of its own with a 2 s window (the platform default is Tencent's 2 minutes).
    const short = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', short, { Accounts: ['sam', 'tia'] });
    await authClient(SG).updateApp({ ...NO_CHANGES, sdkAppId: short.sdkAppId, hasRecallWindow: true, recallWindowS: 2 });
    const app = short;
    const res = await rest(SG, 'openim/sendmsg', app, { From_Account: 'tia', To_Account: 'sam', MsgRandom: ++random, MsgBody: text('old news') });
    const key = String(res.body['MsgKey']);
    await new Promise((r) => setTimeout(r, 3100));
    const tia = await online(SG, app, 'tia', 'Android');
    clients.push(tia);
    expect(await tia.request('req', { cmd: 'chat.recall', body: { peer: 'sam', MsgKey: key } })).toMatchObject({ code: 20016 });
    expect((await rest(SG, 'openim/admin_msgwithdraw', app, { From_Account: 'tia', To_Account: 'sam', MsgKey: key })).body).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0 });
    expect((await rest(SG, 'openim/admin_msgwithdraw', app, { From_Account: 'tia', To_Account: 'sam', MsgKey: key })).body).toEqual(fail(20023));
    expect((await rest(SG, 'openim/admin_msgwithdraw', app, { From_Account: 'tia', To_Account: 'sam', MsgKey: '999_1_1' })).body).toEqual(fail(20022));
  });
});
