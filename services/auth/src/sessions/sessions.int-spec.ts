import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { ErrorCode, MeridianError, TOPICS } from '@meridian/contracts';
import { eventsV1, type authV1 } from '@meridian/proto';
import { authClient, closeTestClients, createTestApp, rest, testTopology, type TestApp } from '@meridian/testing';
import { genUserSig } from '@meridian/usersig';
import { SessionsService } from './sessions.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';

/** Collects the auth service's events from the real broker while a test runs. */
class EventTap {
  readonly events: eventsV1.EventEnvelope[] = [];
  private consumer?: Consumer;

  async start(topics: string[]): Promise<void> {
    const kafka = new Kafka({ clientId: 'sessions-test', brokers: testTopology().dataPlane.kafkaBrokers, logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({ groupId: `test.sessions.${randomUUID()}` });
    await this.consumer.connect();
    const prefix = testTopology().region(SG).kafkaTopicPrefix;
    await this.consumer.subscribe({ topics: topics.map((t) => prefix + t), fromBeginning: false });
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

const login = (app: TestApp, userId: string, platform: string, region = SG, userSig = app.sig(userId)): Promise<authV1.LoginResponse> =>
  authClient(region).login({
    sdkAppId: app.sdkAppId,
    userId,
    userSig,
    platform,
    gatewayRegion: region,
    gatewayInstance: `${region}-gateway-test`,
    connectionId: randomUUID(),
    gatewayAddress: '127.0.0.1:1',
    replaceLoginId: '',
    clientIp: '',
  });

describe(SessionsService.name, () => {
  const tap = new EventTap();

  beforeAll(async () => {
    // Partitions may be assigned a moment after the join; start early so no event is missed.
    await tap.start([TOPICS.userState, TOPICS.sessionKicked]);
  });

  afterAll(async () => {
    await tap.stop();
    closeTestClients();
  });

  it('registers the account on first login and reports it Online with its platform', async () => {
    const app = await createTestApp();
    const { session, kicked } = await login(app, 'eve', 'Android');
    expect(kicked).toEqual([]);
    expect(session).toMatchObject({ userId: 'eve', platform: 'Android', gatewayRegion: SG });
    const res = await rest(SG, 'openim/query_online_status', app, { To_Account: ['eve'], IsNeedDetail: 1 });
    expect(res.body['QueryResult']).toEqual([{ To_Account: 'eve', Status: 'Online', State: 'Online', Detail: [{ Platform: 'Android', Status: 'Online' }] }]);
    const state = await tap.waitFor((e) => e.sdkAppId === app.sdkAppId && e.userStateChanged?.userId === 'eve');
    expect(state.userStateChanged).toMatchObject({ action: 'Login', platform: 'Android', loginId: session!.loginId, onlineSessions: 1 });
    expect(state.type).toBe('meridian.events.v1.UserStateChangedEvent');
  });

  it('single-device policy: a second login kicks the first and says so on Kafka', async () => {
    const app = await createTestApp();
    const first = await login(app, 'sam', 'iPhone');
    const second = await login(app, 'sam', 'Web', FRA);
    expect(second.kicked.map((k) => k.loginId)).toEqual([first.session!.loginId]);
    const kick = await tap.waitFor((e) => e.sdkAppId === app.sdkAppId && e.sessionKicked?.loginId === first.session!.loginId);
    expect(kick.sessionKicked).toMatchObject({ userId: 'sam', reason: 'OtherDeviceLogin', gatewayRegion: SG, platform: 'iPhone' });
    const status = await authClient(SG).queryOnlineStatus({ sdkAppId: app.sdkAppId, userIds: ['sam'], needDetail: true });
    expect(status.results[0]!.detail).toEqual([{ platform: 'Web', status: 'Online' }]);
  });

  it('triple-device policy: mobile, desktop and Web coexist; a second mobile replaces the first', async () => {
    const app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_TRIPLE' as authV1.MultiDevicePolicy });
    const android = await login(app, 'tri', 'Android');
    expect((await login(app, 'tri', 'PC')).kicked).toEqual([]);
    expect((await login(app, 'tri', 'Web')).kicked).toEqual([]);
    const iphone = await login(app, 'tri', 'iPhone');
    expect(iphone.kicked.map((k) => k.loginId)).toEqual([android.session!.loginId]);
    const status = await authClient(SG).queryOnlineStatus({ sdkAppId: app.sdkAppId, userIds: ['tri'], needDetail: true });
    expect(status.results[0]!.detail.map((d) => d.platform).sort()).toEqual(['PC', 'Web', 'iPhone']);
  });

  it('kick ends every session and revokes UserSigs issued before it; a new UserSig logs in again', async () => {
    const app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    const issuedBefore = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'kim', expireSeconds: 3600, now: Math.floor(Date.now() / 1000) - 5 });
    const a = await login(app, 'kim', 'Android', SG, issuedBefore);
    const b = await login(app, 'kim', 'Mac', FRA, issuedBefore);
    expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'kim' })).body).toMatchObject({ ErrorCode: 0 });
    for (const s of [a, b]) {
      const e = await tap.waitFor((x) => x.sessionKicked?.loginId === s.session!.loginId);
      expect(e.sessionKicked!.reason).toBe('AdminKick');
    }
    const status = await authClient(SG).queryOnlineStatus({ sdkAppId: app.sdkAppId, userIds: ['kim'], needDetail: true });
    expect(status.results[0]).toMatchObject({ state: 'Offline', detail: [] });
    await expect(login(app, 'kim', 'Android', SG, issuedBefore)).rejects.toMatchObject({ code: ErrorCode.USERSIG_EXPIRED });
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'kim', expireSeconds: 3600 });
    await expect(login(app, 'kim', 'Android', SG, fresh)).resolves.toMatchObject({ session: expect.objectContaining({ userId: 'kim' }) });
  });

  it('logout removes exactly one session and publishes its reason', async () => {
    const app = await createTestApp({ policy: 'MULTI_DEVICE_POLICY_MULTI' as authV1.MultiDevicePolicy });
    const a = await login(app, 'lou', 'Android');
    await login(app, 'lou', 'Web');
    const res = await authClient(SG).logout({ sdkAppId: app.sdkAppId, userId: 'lou', loginId: a.session!.loginId, reason: 'Disconnect' });
    expect(res.removed).toBe(true);
    const again = await authClient(SG).logout({ sdkAppId: app.sdkAppId, userId: 'lou', loginId: a.session!.loginId, reason: 'Disconnect' });
    expect(again.removed).toBe(false);
    const e = await tap.waitFor((x) => x.userStateChanged?.loginId === a.session!.loginId && x.userStateChanged.action === 'Disconnect');
    expect(e.userStateChanged!.onlineSessions).toBe(1);
  });

  it('refuses bad logins with Tencent codes and registers nothing', async () => {
    const app = await createTestApp();
    const wrongKey = genUserSig({ sdkAppId: app.sdkAppId, key: '0'.repeat(64), identifier: 'zoe', expireSeconds: 60 });
    await expect(login(app, 'zoe', 'Android', SG, wrongKey)).rejects.toMatchObject({ code: ErrorCode.USERSIG_SIGNATURE_MISMATCH });
    await expect(login(app, 'zoe', 'Android', SG, app.sig('someone-else'))).rejects.toMatchObject({ code: ErrorCode.USERSIG_IDENTIFIER_MISMATCH });
    await expect(login(app, 'zoe', 'Toaster')).rejects.toBeInstanceOf(MeridianError);
    const check = await authClient(SG).checkAccounts({ sdkAppId: app.sdkAppId, userIds: ['zoe'] });
    expect(check.results[0]!.status).toBe('NotImported');
  });
});
