/**
 * The upgrade path of revocations (medium tier: the real repository against the MongoDB-wire
 * server and Redis, in process): kicks recorded on accounts before `sig_revocations` existed
 * (`accounts.sigsValidAfter`) are carried over once, so an upgrade makes no kicked UserSig valid.
 */
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { testTopology } from '@meridian/testing';
import type { RedisClient } from '@meridian/platform';
import { loadAuthConfig } from '../auth.config';
import { RevocationsRepository } from './revocations.repository';
import { SigRevocationDoc, SigRevocationSchema } from './revocation.schema';

describe(RevocationsRepository.name, () => {
  let conn: mongoose.Connection;
  let redis: Redis;
  const prefix = `test-revocations-${randomUUID().slice(0, 8)}:`;

  beforeAll(async () => {
    conn = await mongoose.createConnection(testTopology().dataPlane.mongoUrl, { dbName: `test_revocations_${randomUUID().slice(0, 8)}` }).asPromise();
    redis = new Redis(testTopology().dataPlane.redisUrl, { keyPrefix: prefix });
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    redis.disconnect();
  });

  it('carries kicks recorded on accounts over to revocations, once', async () => {
    await conn.collection('accounts').insertMany([
      { _id: '1400000009:kicked' as never, sdkAppId: 1400000009, userId: 'kicked', sigsValidAfter: 1_700_000_100 },
      { _id: '1400000009:never' as never, sdkAppId: 1400000009, userId: 'never', sigsValidAfter: 0 },
    ]);
    const repo = new RevocationsRepository(conn, conn.model(SigRevocationDoc.name, SigRevocationSchema), { redis } as unknown as RedisClient, loadAuthConfig({}));
    await repo.onModuleInit();
    // Old rule: refused when issued before 1_700_000_100; new rule: refused at or before revokedAt.
    expect(await repo.revokedAt(1400000009, 'kicked')).toBe(1_700_000_099);
    expect(await repo.revokedAt(1400000009, 'never')).toBe(0);
    // Done once: a later kick recorded the old way is not picked up again (nothing writes it now).
    await conn.collection('accounts').updateOne({ _id: '1400000009:never' as never }, { $set: { sigsValidAfter: 1_700_000_500 } });
    await redis.del('revoked:1400000009:never');
    await repo.onModuleInit();
    expect(await repo.revokedAt(1400000009, 'never')).toBe(0);
  });
});
