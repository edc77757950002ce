import { isDeepStrictEqual } from 'node:util';
import { generateKeyPairSync } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { ErrorCode } from '@meridian/contracts';
import { connect } from 'node:net';
import { NO_CHANGES, TEST_LIMITS, TestWsClient, authClient, closeTestClients, createTestApp, eventually, gatewayUrl, rest, type TestApp } from '@meridian/testing';
import { genUserSig, genUserSigV1 } from '@meridian/usersig';
import { RestPipeline } from './rest.pipeline';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });

async function status(app: TestApp, users: string[]): Promise<Record<string, string>> {
  const res = await rest(SG, 'im_open_login_svc/account_check', app, { CheckItem: users.map((UserID) => ({ UserID })) });
  expect(res.body).toEqual(ok);
  return Object.fromEntries((res.body['ResultItem'] as { UserID: string; AccountStatus: string }[]).map((r) => [r.UserID, r.AccountStatus]));
}

/** Sends `request` as raw bytes to the region's gateway and reads the whole answer. */
async function rawRequest(region: string, request: string): Promise<{ status: number; body: string }> {
  const url = new URL(gatewayUrl(region));
  const socket = connect(Number(url.port), url.hostname);
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('connect', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve());
    socket.on('error', reject);
  });
  socket.destroy();
  const text = Buffer.concat(chunks).toString('utf8');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

describe(RestPipeline.name, () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await createTestApp();
  });

  afterAll(() => closeTestClients());

  describe('accounts (v4/im_open_login_svc)', () => {
    it('account_import creates an account idempotently and accepts the old Identifier name', async () => {
      const first = await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'alice', Nick: 'Alice', FaceUrl: 'https://x/a.png' });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' });
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'alice' })).body).toEqual(ok);
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { Identifier: 'bob' })).body).toEqual(ok);
      expect(await status(app, ['alice', 'bob', 'carol'])).toEqual({ alice: 'Imported', bob: 'Imported', carol: 'NotImported' });
    });

    it('account_import refuses a bad UserID with its code and stores nothing', async () => {
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 42 })).body).toEqual(fail(ErrorCode.ACCOUNT_NOT_STRING));
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'x'.repeat(33) })).body).toEqual(fail(ErrorCode.INVALID_PARAMETER));
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'a:b' })).body).toEqual(fail(ErrorCode.INVALID_PARAMETER));
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { Nick: 'nobody' })).body).toEqual(fail(ErrorCode.INVALID_PARAMETER));
      expect(await status(app, ['x'.repeat(32)])).toEqual({ ['x'.repeat(32)]: 'NotImported' });
    });

    it('multiaccount_import imports up to 100 and refuses 101 without importing any', async () => {
      const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
      const res = await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ids });
      expect(res.body).toEqual({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', FailAccounts: [] });
      const tooMany = Array.from({ length: 101 }, (_, i) => `n${i}`);
      expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: tooMany })).body).toEqual(fail(ErrorCode.INVALID_BATCH_COUNT));
      expect(await status(app, ['m0', 'm99', 'n0'])).toEqual({ m0: 'Imported', m99: 'Imported', n0: 'NotImported' });
      // One bad entry fails the whole request before anything is written.
      expect((await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['p1', 7] })).body).toEqual(fail(ErrorCode.ACCOUNT_NOT_STRING));
      expect(await status(app, ['p1'])).toEqual({ p1: 'NotImported' });
    });

    it('account_delete reports per item, 70107 for unknown accounts', async () => {
      await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['d1', 'd2'] });
      const res = await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'd1' }, { UserID: 'ghost' }] });
      expect(res.body).toEqual({
        ActionStatus: 'OK',
        ErrorCode: 0,
        ErrorInfo: '',
        ResultItem: [
          { ResultCode: 0, ResultInfo: '', UserID: 'd1' },
          { ResultCode: ErrorCode.ACCOUNT_NOT_FOUND, ResultInfo: 'Err_TLS_PT_Open_Login_Account_Not_Exist', UserID: 'ghost' },
        ],
      });
      expect(await status(app, ['d1', 'd2'])).toEqual({ d1: 'NotImported', d2: 'Imported' });
      expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [] })).body).toEqual(fail(ErrorCode.INVALID_BATCH_COUNT));
      expect((await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: ['d2'] })).body).toEqual(fail(ErrorCode.INVALID_PARAMETER));
      expect(await status(app, ['d2'])).toEqual({ d2: 'Imported' });
    });

    it('query_online_status and querystate answer Status and State per account and 70107 in ErrorList', async () => {
      for (const command of ['openim/query_online_status', 'openim/querystate']) {
        const res = await rest(SG, command, app, { To_Account: ['alice', 'nobody'], IsNeedDetail: 1 });
        expect(res.body).toEqual({
          ActionStatus: 'OK',
          ErrorCode: 0,
          ErrorInfo: '',
          QueryResult: [{ To_Account: 'alice', Status: 'Offline', State: 'Offline', Detail: [] }],
          ErrorList: [{ To_Account: 'nobody', ErrorCode: 70107 }],
        });
      }
      const plain = await rest(SG, 'openim/query_online_status', app, { To_Account: ['alice'] });
      expect(plain.body['QueryResult']).toEqual([{ To_Account: 'alice', Status: 'Offline', State: 'Offline' }]);
      expect((await rest(SG, 'openim/query_online_status', app, { To_Account: Array(501).fill('alice') })).body).toEqual(fail(ErrorCode.INVALID_BATCH_COUNT));
    });

    it('query_online_status says PushOnline for a user with no connection but a push registration', async () => {
      await rest(SG, 'im_open_login_svc/multiaccount_import', app, { Accounts: ['po1', 'po2'] });
      const phone = await TestWsClient.connect(SG);
      expect((await phone.login({ sdkAppId: app.sdkAppId, userId: 'po1', userSig: app.sig('po1'), platform: 'iPhone' })).code).toBe(0);
      expect((await phone.request('req', { cmd: 'push.register_token', body: { provider: 'apns', token: 'a'.repeat(64) } })).code).toBe(0);
      const query = async () => (await rest(SG, 'openim/query_online_status', app, { To_Account: ['po1', 'po2'], IsNeedDetail: 1 })).body['QueryResult'];
      // Connected: Online, whatever the registration.
      expect(await query()).toEqual([
        { To_Account: 'po1', Status: 'Online', State: 'Online', Detail: [{ Platform: 'iPhone', Status: 'Online' }] },
        { To_Account: 'po2', Status: 'Offline', State: 'Offline', Detail: [] },
      ]);
      phone.close();
      await phone.waitClosed();
      const pushOnline = [
        { To_Account: 'po1', Status: 'PushOnline', State: 'PushOnline', Detail: [{ Platform: 'iPhone', Status: 'PushOnline' }] },
        { To_Account: 'po2', Status: 'Offline', State: 'Offline', Detail: [] },
      ];
      await eventually(async () => isDeepStrictEqual(await query(), pushOnline));
      expect(await query()).toEqual(pushOnline);
      expect((await rest(SG, 'openim/query_online_status', app, { To_Account: ['po1'] })).body['QueryResult']).toEqual([{ To_Account: 'po1', Status: 'PushOnline', State: 'PushOnline' }]);
    });

    it('kick needs an imported account', async () => {
      expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'bob' })).body).toEqual(ok);
      expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'nobody' })).body).toEqual(fail(ErrorCode.ACCOUNT_NOT_FOUND));
    });
  });

  describe('URL, body and envelope errors', () => {
    it.each([
      ['sdkappid missing', { sdkappid: undefined }, ErrorCode.SDKAPPID_MISSING],
      ['sdkappid not a number', { sdkappid: 'abc' }, ErrorCode.URL_PARAM_INVALID],
      ['identifier missing', { identifier: undefined }, ErrorCode.URL_PARAM_INVALID],
      ['usersig missing', { usersig: undefined }, ErrorCode.URL_PARAM_INVALID],
      ['contenttype not json', { contenttype: 'xml' }, ErrorCode.URL_PARAM_INVALID],
      ['random not a u32', { random: '-1' }, ErrorCode.URL_PARAM_INVALID],
      ['random over 32 bits', { random: '4294967296' }, ErrorCode.URL_PARAM_INVALID],
      ['unknown SDKAppID', { sdkappid: '4000000000' }, ErrorCode.APP_NOT_FOUND],
    ])('%s → %i', async (_name, query, code) => {
      const res = await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'url-err' }, query);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(fail(code));
    });

    it('accepts random at both ends of the u32 range', async () => {
      for (const random of ['0', '4294967295']) {
        expect((await rest(SG, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'alice' }] }, { random })).body).toEqual(ok);
      }
    });

    it('answers bad JSON, an empty body and a non-object with 60003, an unknown command or path with 60009, GET with 60002', async () => {
      const call = (rawBody: string) => rest(SG, 'im_open_login_svc/account_import', app, undefined, {}, { rawBody });
      expect((await call('{"UserID":')).body).toEqual(fail(ErrorCode.JSON_PARSE));
      expect((await call('')).body).toEqual(fail(ErrorCode.JSON_PARSE));
      expect((await call('[1,2]')).body).toEqual(fail(ErrorCode.JSON_PARSE));
      expect((await rest(SG, 'im_open_login_svc/no_such_command', app, {})).body).toEqual(fail(ErrorCode.BAD_RESOURCE));
      // Not /v4/<service>/<command> at all: still a JSON envelope, not an HTML 404.
      for (const path of ['openim/sendmsg/extra', 'openim', '']) {
        const res = await rest(SG, path, app, {});
        expect([path, res.status, res.body]).toEqual([path, 200, fail(ErrorCode.BAD_RESOURCE)]);
      }
      const get = await rest(SG, 'im_open_login_svc/account_check', app, undefined, {}, { method: 'GET' });
      expect(get.status).toBe(200);
      expect(get.body).toEqual(fail(ErrorCode.HTTP_PARSE));
    });

    it('answers a path outside /v4 with 404 and 60009, a request line over 16 KiB with 431 and 60002, both as JSON', async () => {
      for (const path of ['/nope', '/v3/openim/sendmsg', '/v1/nothing-here']) {
        const res = await fetch(`${gatewayUrl(SG)}${path}`, { method: 'POST', body: '{}' });
        expect([path, res.status, res.headers.get('content-type')]).toEqual([path, 404, expect.stringContaining('application/json')]);
        expect(await res.json()).toEqual(fail(ErrorCode.BAD_RESOURCE));
      }
      // The gateway's own routes are untouched.
      expect((await fetch(`${gatewayUrl(SG)}/healthz`)).status).toBe(200);
      const raw = await rawRequest(SG, `POST /v4/openim/sendmsg?pad=${'x'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`);
      expect(raw.status).toBe(431);
      expect(JSON.parse(raw.body)).toEqual(fail(ErrorCode.HTTP_PARSE));
      const garbage = await rawRequest(SG, 'NOT HTTP AT ALL\r\n\r\n');
      expect(garbage.status).toBe(400);
      expect(JSON.parse(garbage.body)).toEqual(fail(ErrorCode.HTTP_PARSE));
    });

    it('refuses a body over the size limit with 60002', async () => {
      const res = await rest(SG, 'im_open_login_svc/multiaccount_import', app, undefined, {}, { rawBody: `{"Accounts":["${'a'.repeat(1024 * 1024)}"]}` });
      expect(res.body).toEqual(fail(ErrorCode.HTTP_PARSE));
    });

    it('adds ErrorDisplay only for the services whose responses carry it', async () => {
      const res = await rest(SG, 'sns/no_such_command', app, {});
      expect(res.body).toEqual({ ActionStatus: 'FAIL', ErrorCode: ErrorCode.BAD_RESOURCE, ErrorInfo: expect.any(String), ErrorDisplay: '' });
    });
  });

  describe('UserSig and admin checks', () => {
    it.each([
      ['im_open_login_svc/account_check', 70403],
      ['openim/query_online_status', 90009],
    ])('a valid non-admin UserSig on %s gets %i', async (command, code) => {
      const res = await rest(SG, command, app, { CheckItem: [{ UserID: 'alice' }], To_Account: ['alice'] }, { identifier: 'alice', usersig: app.sig('alice') });
      expect(res.body).toEqual(fail(code));
    });

    it('expired → 70001, signature mismatch → 70009, identifier mismatch → 70013, malformed → 70003/70005', async () => {
      const expired = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: app.admin, expireSeconds: 10, now: Math.floor(Date.now() / 1000) - 100 });
      expect((await rest(SG, 'im_open_login_svc/account_check', app, {}, { usersig: expired })).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      const wrongKey = genUserSig({ sdkAppId: app.sdkAppId, key: 'f'.repeat(64), identifier: app.admin, expireSeconds: 100 });
      expect((await rest(SG, 'im_open_login_svc/account_check', app, {}, { usersig: wrongKey })).body).toEqual(fail(ErrorCode.USERSIG_SIGNATURE_MISMATCH));
      expect((await rest(SG, 'im_open_login_svc/account_check', app, {}, { identifier: 'someone' })).body).toEqual(fail(ErrorCode.USERSIG_IDENTIFIER_MISMATCH));
      expect((await rest(SG, 'im_open_login_svc/account_check', app, {}, { usersig: 'not-a-usersig' })).body).toEqual(fail(ErrorCode.USERSIG_DECODE_FAILED));
      const notJson = deflateSync('hello').toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
      expect((await rest(SG, 'im_open_login_svc/account_check', app, {}, { usersig: notJson })).body).toEqual(fail(ErrorCode.USERSIG_CONTENT_INVALID));
    });

    it('isolates tenants: an admin UserSig of app A is refused by app B (70014)', async () => {
      const other = await createTestApp();
      const res = await rest(SG, 'im_open_login_svc/account_check', other, { CheckItem: [{ UserID: 'alice' }] }, { usersig: app.sig() });
      expect(res.body).toEqual(fail(ErrorCode.USERSIG_SDKAPPID_MISMATCH));
      // And app B cannot see app A's accounts with its own admin.
      const own = await rest(SG, 'im_open_login_svc/account_check', other, { CheckItem: [{ UserID: 'alice' }] });
      expect(own.body['ResultItem']).toEqual([expect.objectContaining({ UserID: 'alice', AccountStatus: 'NotImported' })]);
    });

    it('slows the failures of an identity under attack, never refuses its valid UserSig', async () => {
      const victim = await createTestApp({ admins: ['administrator', 'ops'] });
      const bad = genUserSig({ sdkAppId: victim.sdkAppId, key: 'e'.repeat(64), identifier: 'ops', expireSeconds: 100 });
      const limit = Number(TEST_LIMITS.MERIDIAN_AUTH_IDENTITY_FAILURE_LIMIT);
      // From another address than the other tests', so this spends no one else's source budget.
      const source = '127.0.17.17';
      const attempt = (usersig: string) => rest(SG, 'im_open_login_svc/account_check', victim, { CheckItem: [{ UserID: 'a' }] }, { identifier: 'ops', usersig }, { source });
      for (let i = 0; i < limit; i++) expect((await attempt(bad)).body).toEqual(fail(70009));
      const started = Date.now();
      expect((await attempt(bad)).body).toEqual(fail(70009));
      expect(Date.now() - started).toBeGreaterThanOrEqual(Number(TEST_LIMITS.MERIDIAN_AUTH_FAILURE_DELAY_MS));
      expect((await attempt(victim.sig('ops'))).body).toEqual(ok);
    });

    it('verifies legacy ECDSA (v1) UserSigs with the app public key', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const legacy = await createTestApp({ ecdsaPublicKey: pem });
      const v1 = genUserSigV1({ sdkAppId: legacy.sdkAppId, privateKeyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), identifier: legacy.admin, expireSeconds: 3600 });
      expect((await rest(SG, 'im_open_login_svc/account_check', legacy, { CheckItem: [{ UserID: 'u' }] }, { usersig: v1 })).body).toEqual(ok);
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const forged = genUserSigV1({ sdkAppId: legacy.sdkAppId, privateKeyPem: other.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), identifier: legacy.admin, expireSeconds: 3600 });
      expect((await rest(SG, 'im_open_login_svc/account_check', legacy, { CheckItem: [{ UserID: 'u' }] }, { usersig: forged })).body).toEqual(fail(70009));
      // An app without a public key cannot accept v1 UserSigs at all: 70016.
      const keyless = genUserSigV1({ sdkAppId: app.sdkAppId, privateKeyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), identifier: app.admin, expireSeconds: 3600 });
      expect((await rest(SG, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'u' }] }, { usersig: keyless })).body).toEqual(fail(ErrorCode.USERSIG_KEY_MISSING));
    });

    it('rotating the key invalidates UserSigs signed with the old one; disabling the app answers 60016', async () => {
      const rotating = await createTestApp();
      const oldSig = rotating.sig();
      expect((await rest(SG, 'im_open_login_svc/account_check', rotating, { CheckItem: [{ UserID: 'u' }] }, { usersig: oldSig })).body).toEqual(ok);
      const rotated = await authClient(SG).rotateAppKey({ sdkAppId: rotating.sdkAppId });
      expect(rotated.app!.keyVersion).toBe(2);
      expect((await rest(SG, 'im_open_login_svc/account_check', rotating, { CheckItem: [{ UserID: 'u' }] }, { usersig: oldSig })).body).toEqual(fail(70009));
      const newSig = genUserSig({ sdkAppId: rotating.sdkAppId, key: rotated.app!.secretKey, identifier: rotating.admin, expireSeconds: 600 });
      expect((await rest(SG, 'im_open_login_svc/account_check', rotating, { CheckItem: [{ UserID: 'u' }] }, { usersig: newSig })).body).toEqual(ok);
      await authClient(SG).setAppStatus({ sdkAppId: rotating.sdkAppId, status: 'APP_STATUS_DISABLED' as never });
      expect((await rest(SG, 'im_open_login_svc/account_check', rotating, { CheckItem: [{ UserID: 'u' }] }, { usersig: newSig })).body).toEqual(fail(60016));
    });
  });

  describe('home region', () => {
    it('serves an app through any region gateway, keeping its data in the home region', async () => {
      const fraApp = await createTestApp({ homeRegion: FRA });
      expect((await rest(SG, 'im_open_login_svc/account_import', fraApp, { UserID: 'via-sg' })).body).toEqual(ok);
      const check = await rest(FRA, 'im_open_login_svc/account_check', fraApp, { CheckItem: [{ UserID: 'via-sg' }] });
      expect(check.body['ResultItem']).toEqual([expect.objectContaining({ AccountStatus: 'Imported' })]);
      // The home region answers locally; the other region has no record of the app.
      expect(await authClient(FRA).locateApp({ sdkAppId: fraApp.sdkAppId, localOnly: true })).toMatchObject({ found: true, homeRegion: FRA });
      expect(await authClient(SG).locateApp({ sdkAppId: fraApp.sdkAppId, localOnly: true })).toMatchObject({ found: false });
      expect(await authClient(SG).locateApp({ sdkAppId: fraApp.sdkAppId, localOnly: false })).toMatchObject({ found: true, homeRegion: FRA });
    });
  });

  describe('rate limits', () => {
    it('answers 60007 past the per-command limit and 60011 past the per-app limit (per-app settings)', async () => {
      const busy = await createTestApp();
      const limited = await authClient(SG).updateApp({
        ...NO_CHANGES,
        sdkAppId: busy.sdkAppId,
        hasRestLimits: true,
        restCommandQps: 5,
        restAppQps: 12,
      });
      expect(limited.app).toMatchObject({ restCommandQps: 5, restAppQps: 12 });
      const sig = busy.sig();
      const burst = (command: string, n: number) =>
        Promise.all(Array.from({ length: n }, () => rest(SG, command, busy, { To_Account: ['x'] }, { usersig: sig }).then((r) => r.body.ErrorCode)));
      // 40 calls cannot spread over the 8 one-second windows it would take to stay under 5/s.
      const perCommand = await burst('openim/querystate', 40);
      expect(perCommand).toContain(0);
      expect(perCommand).toContain(ErrorCode.REST_RATE_LIMITED);
      const appWide = (await Promise.all(['openim/querystate', 'openim/query_online_status'].map((c) => burst(c, 40)))).flat();
      expect(appWide).toContain(ErrorCode.APP_RATE_LIMITED);
    });
  });
});
