import type { authV1 } from '@meridian/proto';
import { TestWsClient, closeTestClients, createTestApp, rest, testClients, type TestApp } from '@meridian/testing';
import type { pushV1 } from '@meridian/proto';
import { AudienceService } from './audience.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0 });
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });

async function online(region: string, app: TestApp, userId: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform: 'Web' })).code).toBe(0);
  return c;
}

async function taskDone(app: TestApp, taskId: string): Promise<pushV1.GetBroadcastResponse> {
  const push = testClients(SG).service<pushV1.PushServiceClient>('push', app.homeRegion);
  for (const deadline = Date.now() + 20_000; ; ) {
    const t = await push.getBroadcast({ sdkAppId: app.sdkAppId, taskId });
    if (t.state === 'Done' || Date.now() > deadline) return t;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe(AudienceService.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['alice', 'bob', 'carl'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('sets and reads attribute names, user attributes and tags with Tencent fields', async () => {
    expect((await rest(SG, 'all_member_push/im_set_attr_name', app, { AttrNames: { '0': 'sex', '1': 'city' } })).body).toEqual(ok);
    expect((await rest(FRA, 'all_member_push/im_get_attr_name', app, {})).body).toMatchObject({ AttrNames: { '0': 'sex', '1': 'city' } });
    const set = { UserAttrs: [{ To_Account: 'alice', Attrs: { sex: 'f', city: 'sg' } }, { To_Account: 'bob', Attrs: { sex: 'm' } }] };
    expect((await rest(SG, 'all_member_push/im_set_attr', app, set)).body).toEqual(ok);
    const got = await rest(SG, 'all_member_push/im_get_attr', app, { To_Account: ['alice', 'bob', 'carl'] });
    expect(got.body['UserAttrs']).toEqual([
      { To_Account: 'alice', Attrs: { sex: 'f', city: 'sg' } },
      { To_Account: 'bob', Attrs: { sex: 'm' } },
      { To_Account: 'carl', Attrs: {} },
    ]);
    expect((await rest(SG, 'all_member_push/im_remove_attr', app, { UserAttrs: [{ To_Account: 'alice', Attrs: ['city'] }] })).body).toEqual(ok);
    expect((await rest(SG, 'all_member_push/im_get_attr', app, { To_Account: ['alice'] })).body['UserAttrs']).toEqual([{ To_Account: 'alice', Attrs: { sex: 'f' } }]);

    expect((await rest(SG, 'all_member_push/im_add_tag', app, { UserTags: [{ To_Account: 'alice', Tags: ['vip', 'beta'] }, { To_Account: 'carl', Tags: ['vip'] }] })).body).toEqual(ok);
    expect((await rest(SG, 'all_member_push/im_remove_tag', app, { UserTags: [{ To_Account: 'alice', Tags: ['beta'] }] })).body).toEqual(ok);
    const tags = await rest(SG, 'all_member_push/im_get_tag', app, { To_Account: ['alice', 'bob', 'carl'] });
    expect(tags.body['UserTags']).toEqual([
      { To_Account: 'alice', Tags: ['vip'] },
      { To_Account: 'bob', Tags: [] },
      { To_Account: 'carl', Tags: ['vip'] },
    ]);
  });

  it('refuses bad input with Tencent codes and changes nothing', async () => {
    expect((await rest(SG, 'all_member_push/im_set_attr', app, { UserAttrs: [{ To_Account: 'bob', Attrs: { sex: 'x', shoe: '42' } }] })).body).toEqual(fail(90033));
    expect((await rest(SG, 'all_member_push/im_get_attr', app, { To_Account: ['bob'] })).body['UserAttrs']).toEqual([{ To_Account: 'bob', Attrs: { sex: 'm' } }]);
    expect((await rest(SG, 'all_member_push/im_set_attr_name', app, { AttrNames: { '10': 'x' } })).body).toEqual(fail(90033));
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect((await rest(SG, 'all_member_push/im_get_tag', app, { To_Account: many })).body).toEqual(fail(90018));
    expect((await rest(SG, 'all_member_push/im_add_tag', app, { UserTags: [{ To_Account: 'bob', Tags: ['x'.repeat(51)] }] })).body).toEqual(fail(70402));
    expect((await rest(SG, 'all_member_push/im_get_tag', app, { To_Account: ['bob'] })).body['UserTags']).toEqual([{ To_Account: 'bob', Tags: [] }]);
    expect((await rest(SG, 'all_member_push/im_push', app, { MsgRandom: 1, MsgBody: 'hi' })).body).toEqual(fail(90002));
    expect((await rest(SG, 'all_member_push/im_push', app, { MsgRandom: 1, MsgBody: [{ Text: 'x' }] })).body).toEqual(fail(90010));
    expect(
      (await rest(SG, 'all_member_push/im_push', app, { MsgRandom: 1, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'x' } }], Condition: { TagsOr: ['vip'], AttrsAnd: { sex: 'f' } } })).body,
    ).toEqual(fail(70402));
    expect((await rest(SG, 'all_member_push/im_get_attr', app, { To_Account: ['bob'] }, { identifier: 'bob', usersig: app.sig('bob') })).body).toEqual(fail(90009));
  });

  it('im_push by tag reaches exactly the tagged users online, in both regions, paced as a task', async () => {
    const alice = await online(FRA, app, 'alice');
    const bob = await online(SG, app, 'bob');
    const carl = await online(SG, app, 'carl');
    clients.push(alice, bob, carl);
    const body = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'vip sale' } }];
    const res = await rest(SG, 'all_member_push/im_push', app, { From_Account: 'administrator', MsgRandom: 7, MsgBody: body, Condition: { TagsOr: ['vip'] } });
    expect(res.body).toEqual(expect.objectContaining({ ActionStatus: 'OK', TaskId: expect.stringMatching(new RegExp(`^${app.sdkAppId}_\\d+_\\d+_\\d+$`)) }));
    for (const c of [alice, carl]) {
      expect(await c.waitFor((f) => f.t === 'push')).toMatchObject({ kind: 'broadcast', body: { From_Account: 'administrator', MsgBody: body, TaskId: res.body['TaskId'] } });
    }
    const task = await taskDone(app, String(res.body['TaskId']));
    expect(task).toMatchObject({ state: 'Done', recipients: 2, deliveredOnline: 2, offline: 0 });
    expect(bob.frames.filter((f) => f.t === 'push')).toEqual([]);

    // Pushes must be at least a second apart.
    const again = await rest(SG, 'all_member_push/im_push', app, { MsgRandom: 8, MsgBody: body });
    expect(again.body).toEqual(fail(90024));
  });

  it('im_push without a condition reaches every account of the app, counting the offline ones', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const res = await rest(SG, 'all_member_push/im_push', app, { MsgRandom: 9, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'to all' } }] });
    expect(res.body).toEqual(ok);
    const task = await taskDone(app, String(res.body['TaskId']));
    // alice, bob and carl are online (from the test above); the app admin is an account too, offline.
    expect(task).toMatchObject({ state: 'Done', recipients: 4, deliveredOnline: 3, offline: 1 });
  });
});
