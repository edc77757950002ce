import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { ErrorCode, TOPICS } from '@meridian/contracts';
import { eventsV1, type authV1, type relationshipV1 } from '@meridian/proto';
import { TestWsClient, closeTestClients, createTestApp, rest, testClients, testTopology, type TestApp } from '@meridian/testing';
import { ProfilesService } from './profiles.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', ErrorDisplay: '' });
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code, ErrorDisplay: '' });

const ALL_STANDARD = [
  'Tag_Profile_IM_Nick',
  'Tag_Profile_IM_Gender',
  'Tag_Profile_IM_BirthDay',
  'Tag_Profile_IM_Location',
  'Tag_Profile_IM_SelfSignature',
  'Tag_Profile_IM_AllowType',
  'Tag_Profile_IM_Language',
  'Tag_Profile_IM_Image',
  'Tag_Profile_IM_MsgSettings',
  'Tag_Profile_IM_AdminForbidType',
  'Tag_Profile_IM_Level',
  'Tag_Profile_IM_Role',
];

type Item = { Tag: string; Value: unknown };
type UserProfileItem = { To_Account: string; ProfileItem: Item[]; ResultCode: number; ResultInfo: string };

/** Collects relationship.changes.v1 in the home region while the suite runs. */
class EventTap {
  readonly events: eventsV1.EventEnvelope[] = [];
  private consumer?: Consumer;

  async start(topic: string): Promise<void> {
    const kafka = new Kafka({ clientId: 'profiles-test', brokers: testTopology().dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `test.profiles.${randomUUID()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [testTopology().region(SG).kafkaTopicPrefix + topic], fromBeginning: false });
    let joined!: () => void;
    const ready = new Promise<void>((r) => (joined = r));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({ eachMessage: async ({ message }) => void this.events.push(eventsV1.EventEnvelope.decode(message.value!)) });
    await ready;
  }

  async waitFor(pred: (e: eventsV1.EventEnvelope) => boolean, timeoutMs = 15_000): Promise<eventsV1.EventEnvelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error('event not seen in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

describe(ProfilesService.name, () => {
  let app: TestApp;
  const tap = new EventTap();
  const clients: TestWsClient[] = [];
  const relationship = () => testClients(SG).service<relationshipV1.RelationshipServiceClient>('relationship');

  const get = async (accounts: string[], tags: string[]) => (await rest(SG, 'profile/portrait_get', app, { To_Account: accounts, TagList: tags })).body;
  const set = async (from: string, items: Item[]) => (await rest(SG, 'profile/portrait_set', app, { From_Account: from, ProfileItem: items })).body;
  const itemsOf = async (user: string, tags: string[]) => ((await get([user], tags))['UserProfileItem'] as UserProfileItem[])[0]!.ProfileItem;

  async function online(region: string, userId: string, platform: string): Promise<TestWsClient> {
    const c = await TestWsClient.connect(region);
    clients.push(c);
    expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform })).code).toBe(0);
    return c;
  }

  beforeAll(async () => {
    app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ann', 'ben', 'cat', 'dan', 'eve'] });
    await relationship().setProfileFields({
      sdkAppId: app.sdkAppId,
      fields: [
        { name: 'Hobby', type: 'string', maxLength: 20, userReadable: true, userWritable: true },
        { name: 'Score', type: 'integer', maxLength: 0, userReadable: true, userWritable: true },
        { name: 'Vip', type: 'integer', maxLength: 0, userReadable: true, userWritable: false },
        { name: 'Secret', type: 'string', maxLength: 50, userReadable: false, userWritable: false },
      ],
    });
    await tap.start(TOPICS.relationshipChanges);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await tap.stop();
    closeTestClients();
  });

  it('returns Tencent defaults for every unset standard field and omits unset custom fields', async () => {
    const res = await get(['eve'], [...ALL_STANDARD, 'Tag_Profile_Custom_Hobby']);
    expect(res).toEqual({
      ActionStatus: 'OK',
      ErrorCode: 0,
      ErrorInfo: '',
      ErrorDisplay: '',
      UserProfileItem: [
        {
          To_Account: 'eve',
          ResultCode: 0,
          ResultInfo: '',
          ProfileItem: [
            { Tag: 'Tag_Profile_IM_Nick', Value: '' },
            { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Unknown' },
            { Tag: 'Tag_Profile_IM_BirthDay', Value: 0 },
            { Tag: 'Tag_Profile_IM_Location', Value: '' },
            { Tag: 'Tag_Profile_IM_SelfSignature', Value: '' },
            { Tag: 'Tag_Profile_IM_AllowType', Value: 'AllowType_Type_NeedConfirm' },
            { Tag: 'Tag_Profile_IM_Language', Value: 0 },
            { Tag: 'Tag_Profile_IM_Image', Value: '' },
            { Tag: 'Tag_Profile_IM_MsgSettings', Value: 0 },
            { Tag: 'Tag_Profile_IM_AdminForbidType', Value: 'AdminForbid_Type_None' },
            { Tag: 'Tag_Profile_IM_Level', Value: 0 },
            { Tag: 'Tag_Profile_IM_Role', Value: 0 },
          ],
        },
      ],
    });
  });

  it('sets standard and custom fields and reads several users in one call; each set is published', async () => {
    expect(
      await set('ann', [
        { Tag: 'Tag_Profile_IM_Nick', Value: 'Ann' },
        { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Female' },
        { Tag: 'Tag_Profile_IM_BirthDay', Value: 19900101 },
        { Tag: 'Tag_Profile_IM_AllowType', Value: 'AllowType_Type_AllowAny' },
        { Tag: 'Tag_Profile_Custom_Hobby', Value: 'chess' },
        { Tag: 'Tag_Profile_Custom_Score', Value: 42 },
      ]),
    ).toEqual(ok);
    expect(await set('ben', [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ben' }, { Tag: 'Tag_Profile_IM_Level', Value: 7 }])).toEqual(ok);
    // A later set changes only the fields it names.
    expect(await set('ann', [{ Tag: 'Tag_Profile_IM_SelfSignature', Value: 'hello' }])).toEqual(ok);

    const tags = ['Tag_Profile_IM_Nick', 'Tag_Profile_IM_Gender', 'Tag_Profile_IM_BirthDay', 'Tag_Profile_IM_SelfSignature', 'Tag_Profile_IM_Level', 'Tag_Profile_Custom_Hobby', 'Tag_Profile_Custom_Score'];
    const res = await get(['ann', 'ben', 'cat'], tags);
    expect(res).toEqual(ok);
    expect(res['Fail_Account']).toBeUndefined();
    expect(res['UserProfileItem']).toEqual([
      {
        To_Account: 'ann',
        ResultCode: 0,
        ResultInfo: '',
        ProfileItem: [
          { Tag: 'Tag_Profile_IM_Nick', Value: 'Ann' },
          { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Female' },
          { Tag: 'Tag_Profile_IM_BirthDay', Value: 19900101 },
          { Tag: 'Tag_Profile_IM_SelfSignature', Value: 'hello' },
          { Tag: 'Tag_Profile_IM_Level', Value: 0 },
          { Tag: 'Tag_Profile_Custom_Hobby', Value: 'chess' },
          { Tag: 'Tag_Profile_Custom_Score', Value: 42 },
        ],
      },
      {
        To_Account: 'ben',
        ResultCode: 0,
        ResultInfo: '',
        ProfileItem: [
          { Tag: 'Tag_Profile_IM_Nick', Value: 'Ben' },
          { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Unknown' },
          { Tag: 'Tag_Profile_IM_BirthDay', Value: 0 },
          { Tag: 'Tag_Profile_IM_SelfSignature', Value: '' },
          { Tag: 'Tag_Profile_IM_Level', Value: 7 },
        ],
      },
      {
        To_Account: 'cat',
        ResultCode: 0,
        ResultInfo: '',
        ProfileItem: [
          { Tag: 'Tag_Profile_IM_Nick', Value: '' },
          { Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Unknown' },
          { Tag: 'Tag_Profile_IM_BirthDay', Value: 0 },
          { Tag: 'Tag_Profile_IM_SelfSignature', Value: '' },
          { Tag: 'Tag_Profile_IM_Level', Value: 0 },
        ],
      },
    ]);

    const event = await tap.waitFor((e) => e.sdkAppId === app.sdkAppId && e.profileChanged?.userId === 'ben');
    expect(event.profileChanged).toEqual({
      userId: 'ben',
      byAdmin: true,
      items: [
        { tag: 'Tag_Profile_IM_Nick', valueJson: '"Ben"' },
        { tag: 'Tag_Profile_IM_Level', valueJson: '7' },
      ],
      // Who set it (Profile.CallbackPortraitSet Operator_Account, OptPlatform, ClientIP).
      origin: { platform: 'RESTAPI', clientIp: expect.stringMatching(/127\.0\.0\.1$/), operator: app.admin },
    });
  });

  it('lists unknown accounts in Fail_Account with a per-user ResultCode', async () => {
    const res = await get(['ann', 'nobody'], ['Tag_Profile_IM_Nick']);
    expect(res).toEqual(ok);
    expect(res['Fail_Account']).toEqual(['nobody']);
    expect(res['UserProfileItem']).toEqual([
      { To_Account: 'ann', ResultCode: 0, ResultInfo: '', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ann' }] },
      { To_Account: 'nobody', ResultCode: ErrorCode.PROFILE_ACCOUNT_NOT_FOUND, ResultInfo: expect.any(String), ProfileItem: [] },
    ]);
  });

  it('refuses more than 100 accounts in one portrait_get', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `u${i}`);
    expect(await get(many, ['Tag_Profile_IM_Nick'])).toEqual(fail(ErrorCode.INVALID_BATCH_COUNT));
    expect(await get([], ['Tag_Profile_IM_Nick'])).toEqual(fail(ErrorCode.INVALID_BATCH_COUNT));
    expect(await get(['ann'], [])).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect(await get(['ann'], ['Tag_Profile_IM_Nope'])).toEqual(fail(ErrorCode.PROFILE_TAG_NOT_FOUND));
  });

  it.each([
    ['an unknown tag', [{ Tag: 'Tag_Profile_Custom_Unknown', Value: 'x' }], ErrorCode.PROFILE_TAG_NOT_FOUND],
    ['a Nick over 500 bytes', [{ Tag: 'Tag_Profile_IM_Nick', Value: 'x'.repeat(501) }], ErrorCode.PROFILE_VALUE_TOO_LONG],
    ['a custom string over its length', [{ Tag: 'Tag_Profile_Custom_Hobby', Value: 'x'.repeat(21) }], ErrorCode.PROFILE_VALUE_TOO_LONG],
    ['a bad gender', [{ Tag: 'Tag_Profile_IM_Gender', Value: 'Gender_Type_Robot' }], ErrorCode.PROFILE_VALUE_INVALID],
    ['a negative level', [{ Tag: 'Tag_Profile_IM_Level', Value: -1 }], ErrorCode.PROFILE_VALUE_INVALID],
    ['a Location over 16 bytes', [{ Tag: 'Tag_Profile_IM_Location', Value: 'x'.repeat(17) }], ErrorCode.PROFILE_VALUE_INVALID],
    ['a string for a number', [{ Tag: 'Tag_Profile_IM_BirthDay', Value: '19900101' }], ErrorCode.PROFILE_VALUE_TYPE_MISMATCH],
    ['a number for a custom string', [{ Tag: 'Tag_Profile_Custom_Hobby', Value: 5 }], ErrorCode.PROFILE_VALUE_TYPE_MISMATCH],
    ['an empty ProfileItem', [], ErrorCode.PROFILE_INVALID_PARAMETER],
  ])('refuses %s and changes nothing, not even the valid items beside it', async (_why, bad, code) => {
    const before = await itemsOf('ann', ALL_STANDARD.concat('Tag_Profile_Custom_Hobby', 'Tag_Profile_Custom_Score'));
    const items = bad.length ? [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Changed' }, ...bad] : bad;
    expect(await set('ann', items)).toEqual(fail(code));
    expect(await itemsOf('ann', ALL_STANDARD.concat('Tag_Profile_Custom_Hobby', 'Tag_Profile_Custom_Score'))).toEqual(before);
  });

  it('answers a missing or malformed account with 40001 (60015 when not a string) and stores nothing', async () => {
    const before = await itemsOf('ann', ['Tag_Profile_IM_Nick']);
    const nick = [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Changed' }];
    expect((await rest(SG, 'profile/portrait_set', app, { ProfileItem: nick })).body).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect(await set('a'.repeat(33), nick)).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect(await set('ann:x', nick)).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect((await rest(SG, 'profile/portrait_set', app, { From_Account: 7, ProfileItem: nick })).body).toEqual(fail(ErrorCode.ACCOUNT_NOT_STRING));
    expect(await itemsOf('ann', ['Tag_Profile_IM_Nick'])).toEqual(before);
    expect(await get(['ann', 'a:b'], ['Tag_Profile_IM_Nick'])).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect((await rest(SG, 'profile/portrait_get', app, { To_Account: 'ann', TagList: ['Tag_Profile_IM_Nick'] })).body).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
    expect((await rest(SG, 'profile/portrait_get', app, { TagList: ['Tag_Profile_IM_Nick'] })).body).toEqual(fail(ErrorCode.PROFILE_INVALID_PARAMETER));
  });

  it('refuses a set for an account that does not exist with 40003 and stores nothing', async () => {
    expect(await set('ghost', [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Boo' }])).toEqual(fail(ErrorCode.PROFILE_ACCOUNT_NOT_FOUND));
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'ghost' })).body['ErrorCode']).toBe(0);
    expect(await itemsOf('ghost', ['Tag_Profile_IM_Nick'])).toEqual([{ Tag: 'Tag_Profile_IM_Nick', Value: '' }]);
  });

  it("a user's own set over WebSocket reaches their other device; admin-only custom fields are refused", async () => {
    const phone = await online(SG, 'dan', 'Android');
    const laptop = await online(FRA, 'dan', 'Mac');
    const res = await phone.request('req', {
      cmd: 'profile.set',
      body: { items: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' }, { Tag: 'Tag_Profile_Custom_Hobby', Value: 'golf' }] },
    });
    expect(res).toMatchObject({ code: 0 });
    const push = await laptop.waitFor((f) => f.t === 'push' && f.kind === 'profile_changed');
    expect(push.body).toEqual({
      From_Account: 'dan',
      ProfileItem: [
        { Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' },
        { Tag: 'Tag_Profile_Custom_Hobby', Value: 'golf' },
      ],
    });
    const event = await tap.waitFor((e) => e.sdkAppId === app.sdkAppId && e.profileChanged?.userId === 'dan');
    expect(event.profileChanged?.byAdmin).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(phone.frames.filter((f) => f.kind === 'profile_changed')).toEqual([]);

    // Users may read what users may read, from any region.
    const read = await laptop.request('req', { cmd: 'profile.get', body: { userIds: ['dan', 'ann'], tags: ['Tag_Profile_IM_Nick', 'Tag_Profile_Custom_Hobby'] } });
    expect(read).toMatchObject({
      code: 0,
      body: {
        UserProfileItem: [
          { To_Account: 'dan', ResultCode: 0, ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' }, { Tag: 'Tag_Profile_Custom_Hobby', Value: 'golf' }] },
          { To_Account: 'ann', ResultCode: 0, ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ann' }, { Tag: 'Tag_Profile_Custom_Hobby', Value: 'chess' }] },
        ],
      },
    });

    // Vip is admin-written: the user's write is refused (40008) and changes nothing; Secret is admin-read (40007).
    const denied = await phone.request('req', { cmd: 'profile.set', body: { items: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Sneaky' }, { Tag: 'Tag_Profile_Custom_Vip', Value: 1 }] } });
    expect(denied).toMatchObject({ code: ErrorCode.PROFILE_WRITE_DENIED });
    expect(await itemsOf('dan', ['Tag_Profile_IM_Nick', 'Tag_Profile_Custom_Vip'])).toEqual([{ Tag: 'Tag_Profile_IM_Nick', Value: 'Dan' }]);
    expect(await phone.request('req', { cmd: 'profile.get', body: { userIds: ['dan'], tags: ['Tag_Profile_Custom_Secret'] } })).toMatchObject({ code: ErrorCode.PROFILE_READ_DENIED });

    // The app admin may write and read both.
    expect(await set('dan', [{ Tag: 'Tag_Profile_Custom_Vip', Value: 3 }, { Tag: 'Tag_Profile_Custom_Secret', Value: 'note' }])).toEqual(ok);
    expect(await itemsOf('dan', ['Tag_Profile_Custom_Vip', 'Tag_Profile_Custom_Secret'])).toEqual([
      { Tag: 'Tag_Profile_Custom_Vip', Value: 3 },
      { Tag: 'Tag_Profile_Custom_Secret', Value: 'note' },
    ]);
    // An admin's change reaches every one of the user's devices.
    await phone.waitFor((f) => f.t === 'push' && f.kind === 'profile_changed' && (f.body as { ProfileItem: Item[] }).ProfileItem[0]?.Tag === 'Tag_Profile_Custom_Vip');
  });

  it('keeps declared custom fields: none removed, no type changed, at most 20', async () => {
    const declared = (await relationship().getProfileFields({ sdkAppId: app.sdkAppId })).fields;
    expect(declared.map((f) => f.name)).toEqual(['Hobby', 'Score', 'Vip', 'Secret']);
    await expect(relationship().setProfileFields({ sdkAppId: app.sdkAppId, fields: declared.slice(1) })).rejects.toMatchObject({ code: ErrorCode.PROFILE_INVALID_PARAMETER });
    await expect(
      relationship().setProfileFields({ sdkAppId: app.sdkAppId, fields: declared.map((f) => (f.name === 'Score' ? { ...f, type: 'string', maxLength: 10 } : f)) }),
    ).rejects.toMatchObject({ code: ErrorCode.PROFILE_INVALID_PARAMETER });
    const added = await relationship().setProfileFields({ sdkAppId: app.sdkAppId, fields: [...declared, { name: 'City', type: 'string', maxLength: 30, userReadable: true, userWritable: true }] });
    expect(added.fields.map((f) => f.name)).toEqual(['Hobby', 'Score', 'Vip', 'Secret', 'City']);
  });
});
