import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { RedisClient, isDuplicateKey, migrateOnce } from '@meridian/platform';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthKeys } from '../auth.keys';
import { SigRevocationDoc, revocationKey } from './revocation.schema';

/**
 * Raises the cached watermark, never lowers it. Both writers use it: a revocation (new, higher
 * value) and a refill after a miss (a value read from MongoDB, possibly older than a revocation
 * that landed meanwhile), so whatever the interleaving the highest value stays.
 */
const RAISE = `
local cur = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return 0`;

/**
 * Revocation watermarks per identity: durable in MongoDB (`sig_revocations`), read through Redis
 * so that every auth instance sees a revocation at once, with one GET per verification and no
 * per-instance copy to invalidate. An identity never revoked is cached as "0", so misses do not
 * reach MongoDB on every request (on FerretDB a miss by _id reads the whole collection).
 */
@Injectable()
export class RevocationsRepository implements OnModuleInit {
  private readonly logger = new Logger(RevocationsRepository.name);

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @InjectModel(SigRevocationDoc.name) private readonly docs: Model<SigRevocationDoc>,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /**
   * Kicks recorded before revocations had their own collection lived on the account
   * (`accounts.sigsValidAfter`: sigs issued strictly before it were refused). They are carried over
   * once, so an upgrade does not make a kicked UserSig valid again.
   */
  async onModuleInit(): Promise<void> {
    await migrateOnce(this.connection, this.logger, 'sig_revocations.from_accounts', async () => {
      const accounts = this.connection.collection<{ _id: string; sdkAppId: number; userId: string; sigsValidAfter?: number }>('accounts');
      let migrated = 0;
      let after = '';
      for (;;) {
        const batch = await accounts
          .find({ sigsValidAfter: { $gt: 0 }, ...(after ? { _id: { $gt: after } } : {}) }, { projection: { sdkAppId: 1, userId: 1, sigsValidAfter: 1 } })
          .sort({ _id: 1 })
          .limit(500)
          .toArray();
        if (!batch.length) return migrated;
        for (const a of batch) await this.revoke(a.sdkAppId, a.userId, a.sigsValidAfter! - 1);
        migrated += batch.length;
        after = batch[batch.length - 1]!._id;
        this.logger.log({ migration: 'sig_revocations.from_accounts', migrated }, 'migration progress');
      }
    });
  }

  /** Unix seconds at or before which the identity's UserSigs are refused; 0 when never revoked. */
  async revokedAt(sdkAppId: number, userId: string): Promise<number> {
    const key = AuthKeys.revokedBefore(sdkAppId, userId);
    const cached = await this.redis.redis.get(key);
    if (cached !== null) return Number(cached);
    const doc = await this.docs.findById(revocationKey(sdkAppId, userId), { revokedAt: 1 }).lean<{ revokedAt: number }>().exec();
    const value = doc?.revokedAt ?? 0;
    await this.raiseCached(key, value);
    return value;
  }

  /** Refuses from now on the identity's UserSigs issued at or before `unixSeconds`. */
  async revoke(sdkAppId: number, userId: string, unixSeconds: number): Promise<void> {
    const _id = revocationKey(sdkAppId, userId);
    // MongoDB first: a Redis copy that is lost or expires is refilled from there. No upsert
    // (FerretDB has none that is atomic): update, else insert, and a lost insert race updates.
    const raise = () => this.docs.updateOne({ _id }, { $max: { revokedAt: unixSeconds }, $set: { updatedAt: new Date() } }).exec();
    if ((await raise()).matchedCount === 0) {
      try {
        await this.docs.create({ _id, sdkAppId, userId, revokedAt: unixSeconds, updatedAt: new Date() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        await raise();
      }
    }
    // Any failure here fails the kick (the caller retries) rather than leave a stale "0" cached.
    await this.raiseCached(AuthKeys.revokedBefore(sdkAppId, userId), unixSeconds);
  }

  private async raiseCached(key: string, value: number): Promise<void> {
    await this.redis.redis.eval(RAISE, 1, key, value, this.config.MERIDIAN_AUTH_REVOCATION_CACHE_TTL_S);
  }
}
