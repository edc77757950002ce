import type { authV1 } from '@meridian/proto';
import { TestWsClient, closeTestClients, createTestApp, rest, type TestApp } from '@meridian/testing';
import { BlacklistService } from './blacklist.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
let random = 70_000;

async function online(region: string, app: TestApp, userId: string, platform = 'Web'): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
  return c;
}

describe(BlacklistService.name, () => {
  let app: TestApp;
  const clients: TestWsClient[] = [];

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['amy', 'bo', 'cy', 'di'] });
  });

  afterAll(() => {
    for (const c of clients) c.close();
    closeTestClients();
  });

  it('adds with per-item results, lists by page, checks both ways and deletes', async () => {
    const add = await rest(SG, 'sns/black_list_add', app, { From_Account: 'amy', To_Account: ['bo', 'cy', 'ghost', 'amy'] });
    expect(add.body).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
      ResultItem: [
        { To_Account: 'bo', ResultCode: 0, ResultInfo: '' },
        { To_Account: 'cy', ResultCode: 0, ResultInfo: '' },
        { To_Account: 'ghost', ResultCode: 30003, ResultInfo: expect.any(String) },
        { To_Account: 'amy', ResultCode: 30001, ResultInfo: expect.any(String) },
      ],
      Fail_Account: ['ghost', 'amy'],
    });
    const again = await rest(SG, 'sns/black_list_add', app, { From_Account: 'amy', To_Account: ['bo'] });
    expect(again.body).toMatchObject({ ErrorCode: 0, ResultItem: [{ To_Account: 'bo', ResultCode: 30001, ResultInfo: 'Err_SNS_BlackListAdd_Already_Exist' }], Fail_Account: ['bo'] });

    const page1 = await rest(SG, 'sns/black_list_get', app, { From_Account: 'amy', StartIndex: 0, MaxLimited: 1, LastSequence: 0 });
    expect(page1.body).toMatchObject({ ErrorCode: 0, BlackListItem: [{ To_Account: 'bo', AddBlackTimeStamp: expect.any(Number) }], StartIndex: 1 });
    expect(page1.body['CurruentSequence']).toBeGreaterThan(0);
    const page2 = await rest(SG, 'sns/black_list_get', app, { From_Account: 'amy', StartIndex: 1, MaxLimited: 1, LastSequence: 0 });
    expect(page2.body).toMatchObject({ BlackListItem: [{ To_Account: 'cy' }], StartIndex: 0 });

    await rest(SG, 'sns/black_list_add', app, { From_Account: 'cy', To_Account: ['amy'] });
    const check = await rest(SG, 'sns/black_list_check', app, { From_Account: 'amy', To_Account: ['bo', 'cy', 'di'], CheckType: 'BlackCheckResult_Type_Both' });
    expect(check.body['BlackListCheckItem']).toEqual([
      { To_Account: 'bo', Relation: 'BlackCheckResult_Type_AWithB', ResultCode: 0, ResultInfo: '' },
      { To_Account: 'cy', Relation: 'BlackCheckResult_Type_BothWay', ResultCode: 0, ResultInfo: '' },
      { To_Account: 'di', Relation: 'BlackCheckResult_Type_NO', ResultCode: 0, ResultInfo: '' },
    ]);
    const single = await rest(SG, 'sns/black_list_check', app, { From_Account: 'di', To_Account: ['amy'], CheckType: 'BlackCheckResult_Type_Single' });
    expect(single.body['BlackListCheckItem']).toEqual([expect.objectContaining({ To_Account: 'amy', Relation: 'BlackCheckResult_Type_NO' })]);

    const del = await rest(SG, 'sns/black_list_delete', app, { From_Account: 'amy', To_Account: ['cy', 'di'] });
    expect(del.body).toMatchObject({ ErrorCode: 0, ResultItem: [{ To_Account: 'cy', ResultCode: 0 }, { To_Account: 'di', ResultCode: 30001 }], Fail_Account: ['di'] });
    const after = await rest(SG, 'sns/black_list_get', app, { From_Account: 'amy', StartIndex: 0, MaxLimited: 100 });
    expect((after.body['BlackListItem'] as { To_Account: string }[]).map((i) => i.To_Account)).toEqual(['bo']);
    expect(after.body['CurruentSequence']).toBeGreaterThan(page1.body['CurruentSequence'] as number);
  });

  it('a blacklisted sender\'s client message is refused with 20007; admin sends still go through', async () => {
    await rest(SG, 'sns/black_list_add', app, { From_Account: 'di', To_Account: ['bo'] });
    const bo = await online(FRA, app, 'bo');
    clients.push(bo);
    expect(await bo.request('req', { cmd: 'chat.send', body: { To_Account: 'di', MsgRandom: ++random, MsgBody: text('let me in') } })).toMatchObject({ code: 20007 });
    const roam = await rest(SG, 'openim/admin_getroammsg', app, { Operator_Account: 'di', Peer_Account: 'bo', MaxCnt: 10, MinTime: 0, MaxTime: 4_000_000_000 });
    expect(roam.body['MsgList']).toEqual([]);
    // The other direction and REST sends are not affected (Tencent: admin sends skip the check).
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'bo', To_Account: 'di', MsgRandom: ++random, MsgBody: text('by admin') })).body.ErrorCode).toBe(0);
    const di = await online(SG, app, 'di');
    clients.push(di);
    expect(await di.request('req', { cmd: 'chat.send', body: { To_Account: 'bo', MsgRandom: ++random, MsgBody: text('I may') } })).toMatchObject({ code: 0 });
    // Removing bo from the list lets him write again.
    expect(await di.request('req', { cmd: 'blacklist.delete', body: { userIds: ['bo'] } })).toMatchObject({ code: 0, body: { results: [{ userId: 'bo', code: 0 }] } });
    expect(await bo.request('req', { cmd: 'chat.send', body: { To_Account: 'di', MsgRandom: ++random, MsgBody: text('thanks') } })).toMatchObject({ code: 0 });
  });

  it('clients manage their own list; their other devices are told', async () => {
    const phone = await online(SG, app, 'cy', 'Android');
    const laptop = await online(FRA, app, 'cy', 'Mac');
    clients.push(phone, laptop);
    expect(await phone.request('req', { cmd: 'blacklist.add', body: { userIds: ['di'] } })).toMatchObject({ code: 0, body: { results: [{ userId: 'di', code: 0 }] } });
    expect(await laptop.waitFor((f) => f.t === 'push' && f.kind === 'blacklist_added')).toMatchObject({ body: { From_Account: 'cy', To_Account: ['di'] } });
    const list = await laptop.request('req', { cmd: 'blacklist.get', body: {} });
    expect((list.body!['items'] as { userId: string }[]).map((i) => i.userId)).toEqual(['amy', 'di']);
  });

  it('refuses bad requests with the relationship codes and changes nothing', async () => {
    const before = await rest(SG, 'sns/black_list_get', app, { From_Account: 'bo', StartIndex: 0 });
    expect((await rest(SG, 'sns/black_list_add', app, { To_Account: ['amy'] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'bo', To_Account: [] })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'bo', To_Account: 'amy' })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'bo', To_Account: [1] })).body).toEqual(fail(60015));
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'nobody', To_Account: ['amy'] })).body).toEqual(fail(30003));
    const tooMany = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'bo', To_Account: tooMany })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_check', app, { From_Account: 'bo', To_Account: ['amy'], CheckType: 'Both' })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_get', app, { From_Account: 'bo', StartIndex: -1 })).body).toEqual(fail(30001));
    expect((await rest(SG, 'sns/black_list_get', app, { From_Account: 'bo' }, { identifier: 'bo', usersig: app.sig('bo') })).body).toEqual(fail(30004));
    expect((await rest(SG, 'sns/black_list_get', app, { From_Account: 'bo', StartIndex: 0 })).body).toEqual(before.body);
  });
});
