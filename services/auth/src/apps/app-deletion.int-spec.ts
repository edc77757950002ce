import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { join } from 'node:path';
import { z } from 'zod';
import type { authV1 } from '@meridian/proto';
import { APP_DATA_SERVICES, storageConfig, storageEnvShape } from '@meridian/platform';
import { Backend, REPO_ROOT, TestWsClient, authClient, closeTestClients, configureCallbacks, createTestApp, eventually, rest, testTopology, type TestApp } from '@meridian/testing';
import { AppDeletionsService } from './app-deletions.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const text = (t: string) => [{ MsgType: 'TIMTextElem', MsgContent: { Text: t } }];
let random = 80_000;

/** Every document of the app in every collection of one service's database in the home region. */
async function documentsOf(service: string, sdkAppId: number): Promise<Record<string, number>> {
  const conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `${testTopology().region(SG).mongoDatabase}_${service}` }).asPromise();
  try {
    const out: Record<string, number> = {};
    for (const c of await conn.db!.listCollections({}, { nameOnly: true }).toArray()) {
      const n = await conn.db!.collection(c.name).countDocuments({ $or: [{ sdkAppId }, { _id: sdkAppId as never }, { _id: { $regex: `^${sdkAppId}:` } as never }, { owner: { $regex: `^${sdkAppId}:` } }] });
      if (n) out[c.name] = n;
    }
    return out;
  } finally {
    await conn.close();
  }
}

/** The app's Redis keys of the purging services in the home region ("<family>:<sdkAppId>…"). */
async function keysOf(sdkAppId: number): Promise<string[]> {
  const redis = new Redis(testTopology().dataPlane.redisUrl);
  try {
    const found: string[] = [];
    for (const service of APP_DATA_SERVICES) {
      for (const pattern of [`${testTopology().region(SG).redisKeyPrefix}${service}:*:${sdkAppId}:*`, `${testTopology().region(SG).redisKeyPrefix}${service}:*:${sdkAppId}`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          // Conversation ids hold user ids, which could spell a number: only "<family>:<id>:" counts.
          found.push(...keys.filter((k) => new RegExp(`^[^:]+(?::[a-z]+)*:[a-z]+:${sdkAppId}(?::|$)`).test(k.slice(testTopology().region(SG).redisKeyPrefix.length))));
        } while (cursor !== '0');
      }
    }
    return found;
  } finally {
    redis.disconnect();
  }
}

/** The app's media objects, under any region's prefix. */
async function objectsOf(sdkAppId: number): Promise<number> {
  const cfg = storageConfig(z.object(storageEnvShape).parse({}), { endpoint: testTopology().dataPlane.s3Url, credentialsFile: join(REPO_ROOT, '.meridian', 'data', 'minio', 'credentials.json'), keyPrefix: '' });
  if (!cfg) throw new Error('no object store for the test');
  const s3 = new S3Client({ endpoint: cfg.endpoint, region: cfg.region, forcePathStyle: true, credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } });
  try {
    let n = 0;
    for (const region of [SG, FRA]) {
      const res = await s3.send(new ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: `${testTopology().region(region).redisKeyPrefix.replace(/:/g, '/')}${sdkAppId}/` }));
      n += res.KeyCount ?? 0;
    }
    return n;
  } finally {
    s3.destroy();
  }
}

async function online(region: string, app: TestApp, userId: string): Promise<TestWsClient> {
  const c = await TestWsClient.connect(region);
  expect((await c.login({ sdkAppId: app.sdkAppId, userId, userSig: app.sig(userId), platform: 'Web' })).code).toBe(0);
  return c;
}

describe(AppDeletionsService.name, () => {
  const backend = new Backend();
  const clients: TestWsClient[] = [];
  const track = (c: TestWsClient) => (clients.push(c), c);

  beforeAll(() => backend.start());
  afterAll(async () => {
    for (const c of clients) c.close();
    await backend.stop();
    closeTestClients();
  });

  /** An app with data in every service: accounts, messages, a group, friends, audience tags, a dead letter, a media object, a session. */
  async function populated(): Promise<{ app: TestApp; session: TestWsClient }> {
    const app = await createTestApp({ allowPrivateCallbackTargets: true });
    expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['ana', 'ben'] })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'ana', To_Account: 'ben', MsgRandom: ++random, MsgBody: text('hi ben') })).body).toMatchObject({ ErrorCode: 0 });
    const group = await rest(SG, 'group_open_http_svc/create_group', app, { Owner_Account: 'ana', Type: 'Public', Name: 'doomed', MemberList: [{ Member_Account: 'ben' }] });
    expect(group.body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'group_open_http_svc/send_group_msg', app, { GroupId: group.body['GroupId'], From_Account: 'ben', Random: ++random, MsgBody: text('hi group') })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'sns/friend_add', app, { From_Account: 'ana', AddFriendItem: [{ To_Account: 'ben', AddSource: 'AddSource_Type_Test' }], AddType: 'Add_Type_Both', ForceAddFlags: 1 })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'sns/black_list_add', app, { From_Account: 'ben', To_Account: ['ana'] })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'profile/portrait_set', app, { From_Account: 'ana', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'Ana' }] })).body).toMatchObject({ ErrorCode: 0 });
    expect((await rest(SG, 'all_member_push/im_add_tag', app, { Tags: [{ To_Account: 'ana', Tags: ['vip'] }] })).body).toMatchObject({ ErrorCode: 0 });
    // A dead letter: the backend answers 500 to every after-callback until its attempts run out.
    backend.answer = () => ({ status: 500 });
    await configureCallbacks(app, backend, { commands: ['C2C.CallbackAfterSendMsg'] });
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'ben', To_Account: 'ana', MsgRandom: ++random, MsgBody: text('to the dead letters') })).body).toMatchObject({ ErrorCode: 0 });
    expect(await eventually(async () => ((await documentsOf('callback', app.sdkAppId))['callback_dead_letters'] ?? 0) > 0, 30_000, 200)).toBe(true);
    // A media object, uploaded as a client does.
    const session = track(await online(SG, app, 'ana'));
    const bytes = Buffer.from('a file of the deleted app');
    const grant = await session.request('req', { cmd: 'media.upload', body: { type: 'file', size: bytes.length, contentType: 'text/plain', fileName: 'notes.txt' } });
    expect(grant.code).toBe(0);
    const put = (grant.body as { put: { url: string; headers: Record<string, string> } }).put;
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: bytes })).status).toBe(200);
    expect((await session.request('req', { cmd: 'media.confirm', body: { uploadId: (grant.body as { uploadId: string }).uploadId } })).code).toBe(0);
    return { app, session };
  }

  it('refuses the app at once (70020), closes its sessions, purges every service\'s data in its home region and reports progress; other apps keep theirs', async () => {
    const started = Date.now();
    const mark = (what: string) => process.stdout.write(`[app-deletion] ${what} at ${Date.now() - started} ms\n`);
    const { app, session } = await populated();
    mark('populated');
    const bystander = await createTestApp();
    await rest(SG, 'im_open_login_svc/multiaccount_import', bystander, { Accounts: ['ana', 'ben'] });
    await rest(SG, 'openim/sendmsg', bystander, { From_Account: 'ana', To_Account: 'ben', MsgRandom: ++random, MsgBody: text('still here') });
    const before = Object.fromEntries(await Promise.all(APP_DATA_SERVICES.map(async (s) => [s, await documentsOf(s, app.sdkAppId)] as const)));
    for (const s of ['auth', 'chat', 'group', 'relationship', 'push', 'callback']) expect(Object.keys(before[s]!).length).toBeGreaterThan(0);
    expect((await keysOf(app.sdkAppId)).length).toBeGreaterThan(0);
    expect(await objectsOf(app.sdkAppId)).toBeGreaterThan(0);
    const bystanderBefore = await documentsOf('chat', bystander.sdkAppId);

    // Asked in the other region: forwarded to the home region.
    const { deletion } = await authClient(FRA).deleteApp({ sdkAppId: app.sdkAppId });
    expect(deletion).toMatchObject({ sdkAppId: app.sdkAppId, homeRegion: SG, services: APP_DATA_SERVICES.map((service) => expect.objectContaining({ service })) });

    // At once: REST, new logins and the open session are refused or closed.
    expect((await rest(SG, 'openim/sendmsg', app, { From_Account: 'ana', To_Account: 'ben', MsgRandom: ++random, MsgBody: text('after') })).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70020 });
    expect((await rest(FRA, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'ana' }] })).body).toMatchObject({ ActionStatus: 'FAIL', ErrorCode: 70020 });
    const late = track(await TestWsClient.connect(FRA));
    expect((await late.login({ sdkAppId: app.sdkAppId, userId: 'ben', userSig: app.sig('ben'), platform: 'Web' })).code).toBe(70020);
    expect(await eventually(() => session.closed !== undefined, 15_000)).toBe(true);

    mark('refused and closed');
    // The purge, service by service, until complete.
    let progress: authV1.AppDeletion | undefined;
    expect(await eventually(async () => (progress = (await authClient(FRA).getAppDeletion({ sdkAppId: app.sdkAppId, localOnly: false })).deletion!).complete, 60_000, 250)).toBe(true);
    mark('purge complete');
    expect(progress!.services.every((s) => s.done && Number(s.removed) > 0)).toBe(true);
    for (const s of APP_DATA_SERVICES) expect({ service: s, left: await documentsOf(s, app.sdkAppId) }).toEqual({ service: s, left: s === 'auth' ? { app_deletions: 1, app_purge_reports: APP_DATA_SERVICES.length } : {} });
    expect(await keysOf(app.sdkAppId)).toEqual([]);
    expect(await objectsOf(app.sdkAppId)).toBe(0);
    expect(await documentsOf('chat', bystander.sdkAppId)).toEqual(bystanderBefore);
    expect((await rest(SG, 'openim/sendmsg', bystander, { From_Account: 'ben', To_Account: 'ana', MsgRandom: ++random, MsgBody: text('still works') })).body).toMatchObject({ ErrorCode: 0 });

    // Idempotent: a second call answers the same deletion; its SDKAppID is not given out again.
    expect((await authClient(SG).deleteApp({ sdkAppId: app.sdkAppId })).deletion).toMatchObject({ sdkAppId: app.sdkAppId, complete: true, requestedAtMs: deletion!.requestedAtMs });
    await expect(authClient(SG).createApp({ name: 'reuse', homeRegion: SG, sdkAppId: app.sdkAppId, admins: ['administrator'], multiDevicePolicy: 'MULTI_DEVICE_POLICY_SINGLE' as authV1.MultiDevicePolicy, ecdsaPublicKey: '', secretKey: '', ifNotExists: false, allowPrivateCallbackTargets: false })).rejects.toMatchObject({ code: 70402 });
  }, 240_000);

  it('bad input changes nothing: an unknown SDKAppID (70020), a purge report from an operator (70501), progress of a live app (70020)', async () => {
    const app = await createTestApp();
    await expect(authClient(SG).deleteApp({ sdkAppId: 1_499_999_998 })).rejects.toMatchObject({ code: 70020 });
    await expect(authClient(SG).getAppDeletion({ sdkAppId: app.sdkAppId, localOnly: false })).rejects.toMatchObject({ code: 70020 });
    // Operators may not report purges (only the services do), and the app stays as it was.
    await expect(authClient(SG).reportAppPurge({ sdkAppId: app.sdkAppId, service: 'chat', removed: '1' })).rejects.toMatchObject({ code: 70501 });
    expect((await authClient(SG).getApp({ sdkAppId: app.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app).toMatchObject({ sdkAppId: app.sdkAppId, status: 'APP_STATUS_ACTIVE' });
    expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'still' })).body).toMatchObject({ ErrorCode: 0 });
  });
});
