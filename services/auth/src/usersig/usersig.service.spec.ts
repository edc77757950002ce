import { generateKeyPairSync } from 'node:crypto';
import { ErrorCode } from '@meridian/contracts';
import { Metrics } from '@meridian/platform';
import { genUserSig, genUserSigV1 } from '@meridian/usersig';
import { loadAuthConfig } from '../auth.config';
import type { AppsService } from '../apps/apps.service';
import type { AppRecord } from '../apps/apps.repository';
import type { FailureCounts, FailureThrottle } from './failure-throttle.repository';
import type { RevocationsRepository } from './revocations.repository';
import { UserSigService } from './usersig.service';

const SDKAPPID = 1_400_000_001;
const KEY = 'a'.repeat(64);
const nowS = () => Math.floor(Date.now() / 1000);

/** The counters and watermarks of Redis/MongoDB, in memory (unit tier: no servers). */
class MemoryThrottle {
  readonly bySource = new Map<string, number>();
  readonly byIdentity = new Map<string, number>();
  counts(sdkAppId: number, identifier: string, source: string): Promise<FailureCounts> {
    return Promise.resolve({ source: this.bySource.get(source) ?? 0, identity: this.byIdentity.get(`${sdkAppId}:${identifier}`) ?? 0 });
  }
  recordFailure(sdkAppId: number, identifier: string, source: string): Promise<void> {
    this.bySource.set(source, (this.bySource.get(source) ?? 0) + 1);
    this.byIdentity.set(`${sdkAppId}:${identifier}`, (this.byIdentity.get(`${sdkAppId}:${identifier}`) ?? 0) + 1);
    return Promise.resolve();
  }
}

class MemoryRevocations {
  readonly marks = new Map<string, number>();
  revokedAt(sdkAppId: number, userId: string): Promise<number> {
    return Promise.resolve(this.marks.get(`${sdkAppId}:${userId}`) ?? 0);
  }
  revoke(sdkAppId: number, userId: string, at: number): Promise<void> {
    this.marks.set(`${sdkAppId}:${userId}`, Math.max(at, this.marks.get(`${sdkAppId}:${userId}`) ?? 0));
    return Promise.resolve();
  }
}

function makeApp(ecdsaPublicKey = ''): AppRecord {
  return { _id: SDKAPPID, secretKey: KEY, keyVersion: 1, ecdsaPublicKey, admins: ['administrator'], status: 'active' } as AppRecord;
}

function makeService(app: AppRecord, env: Record<string, string> = {}) {
  const throttle = new MemoryThrottle();
  const revocations = new MemoryRevocations();
  const config = loadAuthConfig({ MERIDIAN_AUTH_SOURCE_FAILURE_LIMIT: '3', MERIDIAN_AUTH_IDENTITY_FAILURE_LIMIT: '2', MERIDIAN_AUTH_FAILURE_DELAY_MS: '80', ...env });
  const apps = { requireActive: () => Promise.resolve(app) } as unknown as AppsService;
  const service = new UserSigService(
    config,
    apps,
    throttle as unknown as FailureThrottle,
    revocations as unknown as RevocationsRepository,
    new Metrics({ service: 'auth', region: 'unit' }),
  );
  return { service, throttle, revocations };
}

const sig = (identifier: string, expireSeconds = 3600, key = KEY, now?: number) => genUserSig({ sdkAppId: SDKAPPID, key, identifier, expireSeconds, now });
const codeOf = (p: Promise<unknown>) => p.then(() => 0, (err: { code: number }) => err.code);

describe(UserSigService.name, () => {
  it('counts failures by source (IPv4-mapped addresses are the IPv4 address) and answers an over-budget source 70050', async () => {
    const { service, throttle } = makeService(makeApp());
    const bad = sig('administrator', 3600, 'b'.repeat(64));
    for (let i = 0; i < 3; i++) expect(await codeOf(service.verify(SDKAPPID, 'administrator', bad, { clientIp: '::ffff:192.0.2.1' }))).toBe(70009);
    expect(throttle.bySource.get('192.0.2.1')).toBe(3);
    expect(await codeOf(service.verify(SDKAPPID, 'administrator', bad, { clientIp: '192.0.2.1' }))).toBe(ErrorCode.USERSIG_TOO_MANY_FAILURES);
    // Another source gets its precise code, and the valid sig from anywhere passes.
    expect(await codeOf(service.verify(SDKAPPID, 'administrator', bad, { clientIp: '192.0.2.2' }))).toBe(70009);
    await expect(service.verify(SDKAPPID, 'administrator', sig('administrator'), { clientIp: '192.0.2.2' })).resolves.toMatchObject({ isAdmin: true });
    await expect(service.verify(SDKAPPID, 'administrator', sig('administrator', 3601), { clientIp: '192.0.2.1' })).resolves.toMatchObject({ isAdmin: true });
  });

  it('does only cheap checks for an over-budget source: a valid v1 (ECDSA) or over-long sig is refused unchecked', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const { service, throttle } = makeService(makeApp(publicKey.export({ type: 'spki', format: 'pem' }).toString()));
    const v1 = genUserSigV1({ sdkAppId: SDKAPPID, privateKeyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), identifier: 'u', expireSeconds: 3600 });
    await expect(service.verify(SDKAPPID, 'u', v1, { clientIp: '192.0.2.9' })).resolves.toMatchObject({ claims: expect.objectContaining({ version: 'v1' }) });
    throttle.bySource.set('192.0.2.3', 3);
    const v1b = genUserSigV1({ sdkAppId: SDKAPPID, privateKeyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), identifier: 'u', expireSeconds: 3601 });
    expect(await codeOf(service.verify(SDKAPPID, 'u', v1b, { clientIp: '192.0.2.3' }))).toBe(ErrorCode.USERSIG_TOO_MANY_FAILURES);
    // A sig this source already had verified is a cache hit: no check at all, accepted.
    await expect(service.verify(SDKAPPID, 'u', v1, { clientIp: '192.0.2.3' })).resolves.toBeDefined();
    expect(await codeOf(service.verify(SDKAPPID, 'u', 'eJ' + 'x'.repeat(2000), { clientIp: '192.0.2.3' }))).toBe(ErrorCode.USERSIG_TOO_MANY_FAILURES);
  });

  it('slows the failures of an identity under attack, never its valid sigs', async () => {
    const { service } = makeService(makeApp());
    const bad = sig('ann', 3600, 'b'.repeat(64));
    for (let i = 0; i < 2; i++) await codeOf(service.verify(SDKAPPID, 'ann', bad, { clientIp: `198.51.100.${i}` }));
    let started = Date.now();
    expect(await codeOf(service.verify(SDKAPPID, 'ann', bad, { clientIp: '198.51.100.9' }))).toBe(70009);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    started = Date.now();
    await expect(service.verify(SDKAPPID, 'ann', sig('ann'), { clientIp: '198.51.100.9' })).resolves.toBeDefined();
    expect(Date.now() - started).toBeLessThan(75);
  });

  it('refuses a sig issued at or before the revocation with 70001, also from the cache; a later one passes', async () => {
    const { service, revocations } = makeService(makeApp());
    const old = sig('kim', 3600, KEY, nowS() - 10);
    await expect(service.verify(SDKAPPID, 'kim', old, { clientIp: '' })).resolves.toBeDefined();
    await revocations.revoke(SDKAPPID, 'kim', nowS() - 10);
    expect(await codeOf(service.verify(SDKAPPID, 'kim', old, { clientIp: '' }))).toBe(ErrorCode.USERSIG_EXPIRED);
    await expect(service.verify(SDKAPPID, 'kim', sig('kim', 3600, KEY, nowS() - 9), { clientIp: '' })).resolves.toBeDefined();
  });
});
