import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { TEST_HISTORY_URL_SECRET, TestWsClient, authClient, closeTestClients, createTestApp, eventually, rest, type TestApp } from '@meridian/testing';
import { msgTimeOf } from './history-export.service';
import { signHistoryToken, verifyHistoryToken } from './history-token';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const nowS = () => Math.floor(Date.now() / 1000);

interface FileItem {
  URL: string;
  ExpireTime: string;
  FileSize: number;
  FileMD5: string;
  GzipSize: number;
  GzipMD5: string;
}

/** Downloads a get_history file, checks it against its File item, and parses it line by line as Tencent documents. */
async function download(file: FileItem): Promise<{ head: Record<string, unknown>; msgs: Record<string, unknown>[]; whole: unknown }> {
  const res = await fetch(file.URL);
  expect(res.status).toBe(200);
  const gz = Buffer.from(await res.arrayBuffer());
  expect({ size: gz.length, md5: md5(gz) }).toEqual({ size: file.GzipSize, md5: file.GzipMD5 });
  const raw = gunzipSync(gz);
  expect({ size: raw.length, md5: md5(raw) }).toEqual({ size: file.FileSize, md5: file.FileMD5 });
  const lines = raw.toString('utf8').split('\n').filter(Boolean);
  expect(lines[lines.length - 1]).toBe(']}');
  const head = JSON.parse(`${lines[0]!}]}`) as Record<string, unknown>;
  const msgs = lines.slice(1, -1).map((l) => JSON.parse(l.replace(/,$/, '')) as Record<string, unknown>);
  return { head, msgs, whole: JSON.parse(raw.toString('utf8')) };
}

describe('open_msg_svc/get_history', () => {
  let app: TestApp;
  let other: TestApp;
  // Two hours ago and three hours ago: both have ended.
  const hour = Math.floor(nowS() / 3600) * 3600 - 2 * 3600;
  const earlier = hour - 3600;
  let groupId = '';

  beforeAll(async () => {
    [app, other] = await Promise.all([createTestApp(), createTestApp()]);
    for (const a of [app, other]) {
      expect((await rest(SG, 'im_open_login_svc/multiaccount_import', a, { Accounts: ['ann', 'ben', 'cid'] })).body.ErrorCode).toBe(0);
    }
    const imp = (a: TestApp, from: string, to: string, t: number, body: unknown, r: number) =>
      rest(SG, 'openim/importmsg', a, { SyncFromOldSystem: 2, From_Account: from, To_Account: to, MsgRandom: r, MsgTimeStamp: t, MsgBody: body }).then((x) => expect(x.body.ErrorCode).toBe(0));
    // Five C2C messages in the hour (more than the test platform's 2-message pages, across minutes and conversations).
    await imp(app, 'ann', 'ben', hour + 10, text('c2c one'), 11);
    await imp(app, 'ben', 'ann', hour + 70, text('c2c two'), 12);
    await imp(app, 'cid', 'ann', hour + 70, text('c2c three'), 13);
    await imp(app, 'ann', 'cid', hour + 3599, text('c2c last second'), 14);
    await imp(app, 'ben', 'cid', hour + 1800, text('c2c middle'), 15);
    // Outside the hour, and another app inside it.
    await imp(app, 'ann', 'ben', earlier + 5, text('c2c earlier hour'), 16);
    await imp(app, 'ann', 'ben', hour + 3600, text('c2c next hour'), 17);
    await imp(other, 'ann', 'ben', hour + 20, text('other app'), 18);

    const g = await rest(SG, 'group_open_http_svc/import_group', app, { Owner_Account: 'ann', Type: 'Public', Name: 'history', CreateTime: earlier });
    groupId = g.body['GroupId'] as string;
    await rest(SG, 'group_open_http_svc/import_group_member', app, { GroupId: groupId, MemberList: [{ Member_Account: 'ben', JoinTime: earlier + 1 }] });
    const gm = await rest(SG, 'group_open_http_svc/import_group_msg', app, {
      GroupId: groupId,
      MsgList: [
        { From_Account: 'ann', SendTime: earlier + 100, Random: 1, MsgBody: text('group earlier') },
        { From_Account: 'ben', SendTime: hour + 300, Random: 2, MsgBody: text('group in hour') },
      ],
    });
    expect(gm.body.ErrorCode).toBe(0);
  });

  afterAll(() => closeTestClients());

  const getHistory = (a: TestApp, ChatType: unknown, MsgTime: unknown, region = SG) => rest(region, 'open_msg_svc/get_history', a, { ChatType, MsgTime }).then((r) => r.body);

  it('exports the hour\'s C2C messages, and only them, as a gzip file whose sizes and MD5s match the answer', async () => {
    const res = await getHistory(app, 'C2C', msgTimeOf(hour));
    expect(res).toMatchObject({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
    const [file] = res['File'] as FileItem[];
    expect(file!.ExpireTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const { head, msgs, whole } = await download(file!);
    expect(head).toEqual({ SdkAppId: app.sdkAppId, ChatType: 'C2C', MsgTime: msgTimeOf(hour), MsgList: [] });
    expect((whole as { MsgList: unknown[] }).MsgList).toEqual(msgs);
    expect(msgs.map((m) => (m['MsgBody'] as { MsgContent: { Text: string } }[])[0]!.MsgContent.Text).sort()).toEqual(['c2c last second', 'c2c middle', 'c2c one', 'c2c three', 'c2c two']);
    expect(msgs).toContainEqual({ From_Account: 'ann', To_Account: 'ben', MsgTimestamp: hour + 10, MsgSeq: expect.any(Number), MsgRandom: 11, MsgBody: text('c2c one') });
    for (const m of msgs) expect(m['MsgTimestamp']).toEqual(expect.any(Number));
    for (const m of msgs) expect((m['MsgTimestamp'] as number) >= hour && (m['MsgTimestamp'] as number) < hour + 3600).toBe(true);
  });

  it('exports the hour\'s group messages with GroupId, through the other region\'s gateway too', async () => {
    const res = await getHistory(app, 'Group', msgTimeOf(hour), FRA);
    expect(res.ErrorCode).toBe(0);
    const [file] = res['File'] as FileItem[];
    expect(file!.URL).toContain('/v1/msg_history/');
    const { head, msgs } = await download(file!);
    expect(head).toMatchObject({ ChatType: 'Group', MsgTime: msgTimeOf(hour) });
    expect(msgs).toEqual([{ From_Account: 'ben', GroupId: groupId, MsgTimestamp: hour + 300, MsgSeq: expect.any(Number), MsgRandom: 2, MsgBody: text('group in hour') }]);
  });

  it('answers 1004 for an hour with nothing in it, for another app\'s hour, and for the current hour', async () => {
    expect(await getHistory(app, 'Group', msgTimeOf(hour - 5 * 3600))).toEqual(fail(1004));
    const otherGroup = await getHistory(other, 'Group', msgTimeOf(hour));
    expect(otherGroup).toEqual(fail(1004));
    // The other app's file holds its own message only.
    const { msgs } = await download(((await getHistory(other, 'C2C', msgTimeOf(hour)))['File'] as FileItem[])[0]!);
    expect(msgs.map((m) => m['MsgBody'])).toEqual([text('other app')]);
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'ann', To_Account: 'ben', MsgRandom: 99, MsgBody: text('now') })).body.ErrorCode).toBe(0);
    expect(await getHistory(app, 'C2C', msgTimeOf(Math.floor(nowS() / 3600) * 3600))).toEqual(fail(1004));
    expect(await getHistory(app, 'C2C', msgTimeOf(Math.floor(nowS() / 3600) * 3600 + 7200))).toEqual(fail(1004));
  });

  it('answers 1005 for an hour older than the retention (7 days here)', async () => {
    expect(await getHistory(app, 'C2C', msgTimeOf(hour - 8 * 86_400))).toEqual(fail(1005));
    expect(await getHistory(app, 'Group', msgTimeOf(hour - 8 * 86_400))).toEqual(fail(1005));
  });

  it('refuses a bad ChatType or MsgTime with 1002, and a non-JSON body with 60003', async () => {
    // A fresh app: these nine calls stay under the command's 10 calls per second.
    const fresh = await createTestApp();
    for (const [type, time] of [
      ['c2c', msgTimeOf(hour)],
      [undefined, msgTimeOf(hour)],
      ['C2C', undefined],
      ['C2C', Number(msgTimeOf(hour))],
      ['C2C', '2024022912x'],
      ['C2C', '202402301'],
      ['C2C', '2024023001'],
      ['C2C', '2024010124'],
    ] as [unknown, unknown][]) {
      expect(await getHistory(fresh, type, time)).toEqual(fail(1002));
    }
    expect((await rest(SG, 'open_msg_svc/get_history', fresh, undefined, {}, { rawBody: '{"ChatType":' })).body).toEqual(fail(60003));
    expect((await rest(SG, 'open_msg_svc/get_history', app, { ChatType: 'C2C', MsgTime: msgTimeOf(hour) }, { identifier: 'ann', usersig: app.sig('ann') })).body).toEqual(fail(60010));
  });

  it('refuses a tampered download token with 1001 and an expired one with 1005', async () => {
    const [file] = (await getHistory(app, 'C2C', msgTimeOf(hour)))['File'] as FileItem[];
    const url = new URL(file!.URL);
    const [, , , token, name] = url.pathname.split('/');
    const grant = verifyHistoryToken(TEST_HISTORY_URL_SECRET, token!);
    expect(grant.ok).toBe(true);
    // Another app's id in an otherwise valid token.
    const parts = token!.split('.');
    parts[0] = String(other.sdkAppId);
    // Signed with the secret the source once had built in (npm start used it): worthless now.
    const fromSource = signHistoryToken('meridian-local-history-url-secret', grant.ok ? grant.grant : ({} as never));
    for (const bad of [parts.join('.'), `${token!.slice(0, -2)}xx`, 'nonsense', fromSource]) {
      const res = await fetch(`${url.origin}/v1/msg_history/${bad}/${name}`);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual(fail(1001));
    }
    if (!grant.ok) return;
    const expired = signHistoryToken(TEST_HISTORY_URL_SECRET, { ...grant.grant, expiresAt: nowS() - 1 });
    const res = await fetch(`${url.origin}/v1/msg_history/${expired}/${name}`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(fail(1005));
    // The genuine URL still works.
    await download(file!);
  });

  it('refuses the download before sending a byte when the hour changed after get_history (the file would not match its MD5)', async () => {
    const [file] = (await getHistory(app, 'C2C', msgTimeOf(earlier)))['File'] as FileItem[];
    await rest(SG, 'openim/importmsg', app, { SyncFromOldSystem: 2, From_Account: 'cid', To_Account: 'ben', MsgRandom: 77, MsgTimeStamp: earlier + 9, MsgBody: text('late import') });
    const stale = await fetch(file!.URL);
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toMatch(/application\/json/);
    expect(await stale.json()).toEqual(fail(1004));
    const again = (await getHistory(app, 'C2C', msgTimeOf(earlier)))['File'] as FileItem[];
    expect((await download(again[0]!)).msgs).toHaveLength(2);
  });
});

describe('getappinfo distinct-user counters', () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('counts distinct logins, senders, registrations and the online peak per day', async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as never });
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['u1', 'u2', 'u3'] })).body.ErrorCode).toBe(0);
    // Importing again registers nobody.
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'u1' })).body.ErrorCode).toBe(0);
    const login = async (region: string, userId: string, platform: string) => {
      const c = await TestWsClient.connect(region);
      clients.push(c);
      expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
      return c;
    };
    // u1 logs in twice (two devices), u2 once: 3 logins, 2 login users, 2 online at once.
    await login(SG, 'u1', 'Web');
    await login(FRA, 'u1', 'Android');
    await login(SG, 'u2', 'Web');
    for (const r of [1, 2]) expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'u1', To_Account: 'u2', MsgRandom: r, MsgBody: text('hi') })).body.ErrorCode).toBe(0);
    const g = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'u3', Type: 'Public', Name: 'stats', MemberList: [{ Member_Account: 'u1' }] });
    expect(g.body.ErrorCode).toBe(0);
    const send = await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId: g.body['GroupId'], From_Account: 'u3', Random: 5, MsgBody: text('group hi') });
    expect(send.body.ErrorCode).toBe(0);

    const want = {
      LoginTimes: '3',
      LoginUserNum: '2',
      C2CSendMsgUserNum: '1',
      GroupSendMsgUserNum: '1',
      SendMsgUserNum: '2',
      ActiveUserNum: '3',
      RegistUserNumOneDay: '3',
      // The three imported users and the app's admin.
      RegistUserNumTotal: '4',
      MaxOnlineNum: '2',
      GroupNewGroupNum: '1',
      GroupSendMsgGroupNum: '1',
      C2CUpMsgNum: '2',
      GroupUpMsgNum: '1',
    };
    let today: Record<string, string> = {};
    const ok = await eventually(async () => {
      const res = await rest(SG, 'openconfigsvr/getappinfo', app, {});
      today = (res.body['Result'] as Record<string, string>[])[0]!;
      return Object.entries(want).every(([k, v]) => today[k] === v);
    }, 10_000, 200);
    if (!ok) expect(today).toMatchObject(want);
    expect(today['Date']).toBe(new Date().toISOString().slice(0, 10).replace(/-/g, ''));
    // RequestField picks fields; values stay strings.
    const picked = await rest(SG, 'openconfigsvr/getappinfo', app, { RequestField: ['LoginUserNum', 'MaxOnlineNum'] });
    expect((picked.body['Result'] as Record<string, string>[])[0]).toEqual({ LoginUserNum: '2', MaxOnlineNum: '2', Date: today['Date'] });
  });

  it('ReportAppCounts ignores what no service may report (event-counted metrics, unknown names, empty or oversized members)', async () => {
    const fresh = await createTestApp();
    const timeMs = String(Date.now());
    await authClient(SG).reportAppCounts({
      counts: [
        { sdkAppId: fresh.sdkAppId, metric: 'logins', count: 50, timeMs },
        { sdkAppId: fresh.sdkAppId, metric: '__proto__', count: 50, timeMs },
        { sdkAppId: fresh.sdkAppId, metric: 'c2cMessages', count: 4, timeMs },
      ],
      distinct: [
        { sdkAppId: fresh.sdkAppId, metric: 'loginUsersX', members: ['a', 'b'], timeMs },
        { sdkAppId: fresh.sdkAppId, metric: 'c2cSenders', members: ['', 'x'.repeat(65), 'alice', 'alice'], timeMs },
        { sdkAppId: 0, metric: 'c2cSenders', members: ['bob'], timeMs },
      ],
    });
    let today: Record<string, string> = {};
    const counted = await eventually(async () => {
      today = ((await rest(SG, 'openconfigsvr/getappinfo', fresh, {})).body['Result'] as Record<string, string>[])[0]!;
      return today['C2CUpMsgNum'] === '4';
    }, 10_000, 200);
    expect(counted).toBe(true);
    expect(today).toMatchObject({ C2CUpMsgNum: '4', C2CSendMsgUserNum: '1', LoginTimes: '0', LoginUserNum: '0' });
  });
});
