import { generateKeyPairSync } from 'node:crypto';
import Redis from 'ioredis';
import { ErrorCode } from '@meridian/contracts';
import { TEST_LIMITS, TestWsClient, closeTestClients, createTestApp, rest, testTopology, type TestApp } from '@meridian/testing';
import { genUserSig, genUserSigV1 } from '@meridian/usersig';
import { UserSigService } from './usersig.service';

const SG = 'ap-singapore';
const FRA = 'eu-frankfurt';
const SOURCE_LIMIT = Number(TEST_LIMITS.MERIDIAN_AUTH_SOURCE_FAILURE_LIMIT);
const ok = expect.objectContaining({ ActionStatus: 'OK', ErrorCode: 0 });
const fail = (code: number) => expect.objectContaining({ ActionStatus: 'FAIL', ErrorCode: code });
const nowS = () => Math.floor(Date.now() / 1000);

/** A fresh loopback address: another client machine, whose failure budget nobody has used. */
function newSource(): string {
  const b = () => 1 + Math.floor(Math.random() * 250);
  return `127.${b()}.${b()}.${b()}`;
}

/** Waits until the clock is in a later second than `s` (UserSig times have one-second resolution). */
async function afterSecond(s: number): Promise<void> {
  while (nowS() <= s) await new Promise((r) => setTimeout(r, 50));
}

const check = (app: TestApp, identifier: string, usersig: string, source?: string, region = SG) =>
  rest(region, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'someone' }] }, { identifier, usersig }, { source });

async function wsLogin(app: TestApp, userId: string, userSig: string, source?: string, region = SG) {
  const c = await TestWsClient.connect(region, { localAddress: source });
  const res = await c.login({ sdkAppId: app.sdkAppId, userId, userSig, platform: 'Web' });
  return { c, res };
}

describe(UserSigService.name, () => {
  afterAll(() => closeTestClients());

  describe('failed verifications are throttled by source, never by identity', () => {
    it('REST: a source flooding bad admin UserSigs is throttled; the valid admin UserSig works from elsewhere at once', async () => {
      const app = await createTestApp();
      const attacker = newSource();
      const bad = genUserSig({ sdkAppId: app.sdkAppId, key: 'e'.repeat(64), identifier: app.admin, expireSeconds: 3600 });
      const codes: number[] = [];
      for (let i = 0; i < SOURCE_LIMIT + 5; i++) codes.push((await check(app, app.admin, bad, attacker)).body.ErrorCode);
      // The legitimate backend, elsewhere, is not affected: a new sig and the cached one, both regions.
      const legit = newSource();
      expect((await check(app, app.admin, app.sig(app.admin, 7200), legit)).body).toEqual(ok);
      expect((await check(app, app.admin, app.sig(), legit, FRA)).body).toEqual(ok);
      // Precise answers while the source is within its budget, 70050 once it has spent it.
      expect(codes.slice(0, SOURCE_LIMIT)).toEqual(Array(SOURCE_LIMIT).fill(ErrorCode.USERSIG_SIGNATURE_MISMATCH));
      expect(codes.slice(SOURCE_LIMIT)).toEqual(Array(5).fill(ErrorCode.USERSIG_TOO_MANY_FAILURES));
      // A valid HMAC sig is cheap to check, so it is checked and accepted even from the flooding source.
      expect((await check(app, app.admin, app.sig(app.admin, 7201), attacker)).body).toEqual(ok);
      expect((await check(app, app.admin, bad, attacker)).body).toEqual(fail(ErrorCode.USERSIG_TOO_MANY_FAILURES));
    });

    it('REST: a flooding source gets no ECDSA work done for it; other sources still verify v1 UserSigs', async () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const legacy = await createTestApp({ ecdsaPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      const attacker = newSource();
      const bad = genUserSig({ sdkAppId: legacy.sdkAppId, key: 'e'.repeat(64), identifier: legacy.admin, expireSeconds: 3600 });
      for (let i = 0; i < SOURCE_LIMIT; i++) await check(legacy, legacy.admin, bad, attacker);
      const pem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
      const v1 = (expireSeconds: number) => genUserSigV1({ sdkAppId: legacy.sdkAppId, privateKeyPem: pem, identifier: legacy.admin, expireSeconds });
      expect((await check(legacy, legacy.admin, v1(3600), attacker)).body).toEqual(fail(ErrorCode.USERSIG_TOO_MANY_FAILURES));
      expect((await check(legacy, legacy.admin, v1(3601), newSource())).body).toEqual(ok);
    });

    it('WebSocket: bad logins for one user from one source do not stop that user logging in from elsewhere', async () => {
      const app = await createTestApp();
      const attacker = newSource();
      const bad = genUserSig({ sdkAppId: app.sdkAppId, key: 'e'.repeat(64), identifier: 'vic', expireSeconds: 3600 });
      const codes: number[] = [];
      // The gateway closes a connection after a few failed logins (strikes): use several.
      while (codes.length < SOURCE_LIMIT + 3) {
        const c = await TestWsClient.connect(SG, { localAddress: attacker });
        for (let i = 0; i < 3 && codes.length < SOURCE_LIMIT + 3; i++) {
          codes.push((await c.login({ sdkAppId: app.sdkAppId, userId: 'vic', userSig: bad, platform: 'Web' })).code!);
        }
        c.close();
      }
      const { c, res } = await wsLogin(app, 'vic', app.sig('vic'), newSource());
      expect(res.code).toBe(0);
      c.close();
      expect(codes.slice(0, SOURCE_LIMIT)).toEqual(Array(SOURCE_LIMIT).fill(ErrorCode.USERSIG_SIGNATURE_MISMATCH));
      expect(codes.slice(SOURCE_LIMIT)).toEqual(Array(3).fill(ErrorCode.USERSIG_TOO_MANY_FAILURES));
      // And REST for the same app is unaffected by the WebSocket flood.
      expect((await check(app, app.admin, app.sig(), newSource())).body).toEqual(ok);
    });
  });

  describe('kick and account_delete revoke the UserSigs issued before them, on both faces', () => {
    it('REST: after kick, an admin UserSig issued before it is refused (70001), also when it was cached; a later one works', async () => {
      const app = await createTestApp({ admins: ['administrator', 'ops'] });
      const before = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'ops', expireSeconds: 3600, now: nowS() - 5 });
      expect((await check(app, 'ops', before)).body).toEqual(ok);
      expect((await check(app, 'ops', before, undefined, FRA)).body).toEqual(ok);
      expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'ops' })).body).toEqual(ok);
      const kickedAt = nowS();
      expect((await check(app, 'ops', before)).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      expect((await check(app, 'ops', before, undefined, FRA)).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      // The other admin is untouched.
      expect((await check(app, app.admin, app.sig())).body).toEqual(ok);
      // Redis holds only a copy: when it loses it, the record in MongoDB still refuses the old sig.
      const redis = new Redis(testTopology().dataPlane.redisUrl);
      const key = `${testTopology().region(SG).redisKeyPrefix}auth:revoked:${app.sdkAppId}:ops`;
      expect(await redis.del(key)).toBe(1);
      expect((await check(app, 'ops', before)).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      expect(Number(await redis.get(key))).toBeGreaterThanOrEqual(kickedAt - 1);
      redis.disconnect();
      await afterSecond(kickedAt);
      expect((await check(app, 'ops', app.sig('ops'))).body).toEqual(ok);
    });

    it('WebSocket: after kick, a UserSig issued before it cannot log in; a later one can', async () => {
      const app = await createTestApp();
      const before = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'kit', expireSeconds: 3600, now: nowS() - 5 });
      const first = await wsLogin(app, 'kit', before);
      expect(first.res.code).toBe(0);
      expect((await rest(SG, 'im_open_login_svc/kick', app, { UserID: 'kit' })).body).toEqual(ok);
      const kickedAt = nowS();
      await first.c.waitFor((f) => f.t === 'kicked');
      const again = await wsLogin(app, 'kit', before, undefined, FRA);
      expect(again.res.code).toBe(ErrorCode.USERSIG_EXPIRED);
      again.c.close();
      await afterSecond(kickedAt);
      const fresh = await wsLogin(app, 'kit', app.sig('kit'));
      expect(fresh.res.code).toBe(0);
      fresh.c.close();
    });

    it('WebSocket: after account_delete, a pre-delete UserSig neither logs in nor re-creates the account; re-import and a fresh sig do', async () => {
      const app = await createTestApp();
      const before = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'dan', expireSeconds: 3600, now: nowS() - 5 });
      const first = await wsLogin(app, 'dan', before);
      expect(first.res.code).toBe(0);
      first.c.close();
      const del = await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'dan' }] });
      expect(del.body['ResultItem']).toEqual([expect.objectContaining({ UserID: 'dan', ResultCode: 0 })]);
      const deletedAt = nowS();
      const again = await wsLogin(app, 'dan', before);
      expect(again.res.code).toBe(ErrorCode.USERSIG_EXPIRED);
      again.c.close();
      const status = await rest(SG, 'im_open_login_svc/account_check', app, { CheckItem: [{ UserID: 'dan' }] });
      expect(status.body['ResultItem']).toEqual([expect.objectContaining({ UserID: 'dan', AccountStatus: 'NotImported' })]);
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'dan' })).body).toEqual(ok);
      // Re-importing does not bring the old sigs back.
      const stillOld = await wsLogin(app, 'dan', before);
      expect(stillOld.res.code).toBe(ErrorCode.USERSIG_EXPIRED);
      stillOld.c.close();
      await afterSecond(deletedAt);
      const fresh = await wsLogin(app, 'dan', app.sig('dan'));
      expect(fresh.res.code).toBe(0);
      fresh.c.close();
    });

    it('REST: after account_delete of an admin identity, its pre-delete UserSig is refused; re-import and a fresh sig work', async () => {
      const app = await createTestApp({ admins: ['administrator', 'ops'] });
      const before = genUserSig({ sdkAppId: app.sdkAppId, key: app.secretKey, identifier: 'ops', expireSeconds: 3600, now: nowS() - 5 });
      expect((await check(app, 'ops', before)).body).toEqual(ok);
      const del = await rest(SG, 'im_open_login_svc/account_delete', app, { DeleteItem: [{ UserID: 'ops' }] });
      expect(del.body['ResultItem']).toEqual([expect.objectContaining({ UserID: 'ops', ResultCode: 0 })]);
      const deletedAt = nowS();
      expect((await check(app, 'ops', before)).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      expect((await rest(SG, 'im_open_login_svc/account_import', app, { UserID: 'ops' })).body).toEqual(ok);
      expect((await check(app, 'ops', before)).body).toEqual(fail(ErrorCode.USERSIG_EXPIRED));
      await afterSecond(deletedAt);
      expect((await check(app, 'ops', app.sig('ops'))).body).toEqual(ok);
    });
  });
});
