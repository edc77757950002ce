import type { authV1 } from '@meridian/proto';
import { NO_CHANGES, TestWsClient, authClient, closeTestClients, createTestApp, eventually, rest, type TestApp } from '@meridian/testing';
import { AppsService } from './apps.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The documented bound for a change to reach chat and group when auth's AppChangedEvent is lost:
 * MERIDIAN_CHAT_APP_CACHE_S / MERIDIAN_GROUP_APP_CACHE_S, 30 s by default. The test platform trusts
 * cached settings for 600 s, so a change seen within this bound can only have come by the event.
 */
const DOCUMENTED_BOUND_MS = 30_000;
let random = 70_000;

async function online(region: string, app: TestApp, userId: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform: 'Web' })).code).toBe(0);
  return c;
}

const setWindow = (app: TestApp, recallWindowS: number) => authClient(SG).updateApp({ ...NO_CHANGES, sdkAppId: app.sdkAppId, hasRecallWindow: true, recallWindowS });

describe(`${AppsService.name} recall window`, () => {
  const clients: TestWsClient[] = [];
  const track = (c: TestWsClient) => (clients.push(c), c);

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('is a per-app setting, 0 (the default, 120 s) to 30 days; a bad value is refused with 70402 and changes nothing', async () => {
    const app = await createTestApp();
    expect((await authClient(SG).getApp({ sdkAppId: app.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app).toMatchObject({ recallWindowS: 0 });
    expect((await setWindow(app, 600)).app).toMatchObject({ recallWindowS: 600 });
    await expect(setWindow(app, 30 * 86_400 + 1)).rejects.toMatchObject({ code: 70402 });
    // Asked in another region: forwarded to the home region, same answer.
    expect((await authClient(FRA).getApp({ sdkAppId: app.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app).toMatchObject({ recallWindowS: 600 });
    expect((await authClient(FRA).updateApp({ ...NO_CHANGES, sdkAppId: app.sdkAppId, hasRecallWindow: true, recallWindowS: 30 * 86_400 })).app).toMatchObject({ recallWindowS: 2_592_000 });
    // Other settings changed without has_recall_window leave it alone.
    expect((await authClient(SG).updateApp({ ...NO_CHANGES, sdkAppId: app.sdkAppId, hasRoaming: true, roamingDays: 9 })).app).toMatchObject({ recallWindowS: 2_592_000, roamingDays: 9 });
  });

  it('1:1: chat applies the app\'s window, and a change within the documented bound (by auth\'s app-change event)', async () => {
    const app = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['sam', 'tia'] });
    // 1 s, shorter than the test platform's default (MERIDIAN_CHAT_RECALL_WINDOW_S=3): a refusal
    // at 1.5 s can only come from the app's own window.
    await setWindow(app, 1);
    const sam = track(await online(SG, app, 'sam'));
    const sent = await sam.request('req', { cmd: 'chat.send', body: { To_Account: 'tia', MsgRandom: ++random, MsgBody: text('too late') } });
    const key = String(sent.body!['MsgKey']);
    await sleep(1500);
    const recall = () => sam.request('req', { cmd: 'chat.recall', body: { peer: 'tia', MsgKey: key } });
    // Refused, and the refusal changes nothing: the message is still there, not recalled.
    expect(await recall()).toMatchObject({ code: 20016 });
    const history = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'tia', Peer_Account: 'sam', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    expect(history.body['MsgList']).toEqual([expect.objectContaining({ MsgKey: key, MsgFlagBits: 0, MsgBody: text('too late') })]);

    // Chat now holds the 1 s window in its cache. Widen it: the same message becomes recallable.
    const changed = Date.now();
    await setWindow(app, 600);
    let code = -1;
    expect(await eventually(async () => (code = (await recall()).code ?? -1) !== 20016, DOCUMENTED_BOUND_MS, 100)).toBe(true);
    expect(code).toBe(0);
    const tookMs = Date.now() - changed;
    expect(tookMs).toBeLessThan(DOCUMENTED_BOUND_MS);
    process.stdout.write(`[recall-window] chat saw the new window ${tookMs} ms after UpdateApp\n`);
  });

  it('group: a member\'s recall follows the app\'s window (10031 past it), and a change within the documented bound', async () => {
    const app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['own', 'mem'] });
    const created = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'own', Type: 'Public', Name: 'recalls', MemberList: [{ Member_Account: 'mem' }] });
    const groupId = String(created.body['GroupId']);
    // The group default in tests is 120 s (MERIDIAN_GROUP_RECALL_WINDOW_S): 1 s is the app's own.
    await setWindow(app, 1);
    const mem = track(await online(SG, app, 'mem'));
    const sent = await mem.request('req', { cmd: 'group.send_group_msg', body: { GroupId: groupId, Random: ++random, MsgBody: text('group, too late') } });
    const seq = (sent.body as { MsgSeq: number }).MsgSeq;
    // Group message times are whole seconds, compared with the whole second now: 2.5 s is past a
    // 1 s window whatever the fractions.
    await sleep(2500);
    const recall = async () => ((await mem.request('req', { cmd: 'group.group_msg_recall', body: { GroupId: groupId, MsgSeqList: [{ MsgSeq: seq }] } })).body as { RecallRetList: { RetCode: number }[] }).RecallRetList[0]!.RetCode;
    expect(await recall()).toBe(10031);

    const changed = Date.now();
    await setWindow(app, 600);
    let code = -1;
    expect(await eventually(async () => (code = await recall()) !== 10031, DOCUMENTED_BOUND_MS, 100)).toBe(true);
    expect(code).toBe(0);
    const tookMs = Date.now() - changed;
    expect(tookMs).toBeLessThan(DOCUMENTED_BOUND_MS);
    process.stdout.write(`[recall-window] group saw the new window ${tookMs} ms after UpdateApp\n`);
  });
});
