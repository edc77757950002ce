import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { findByIds, isDuplicateKey } from '@meridian/platform';
import { AccountDoc, accountKey } from './account.schema';

export type AccountRecord = AccountDoc;

@Injectable()
export class AccountsRepository {
  constructor(@InjectModel(AccountDoc.name) private readonly accounts: Model<AccountDoc>) {}

  /**
   * Creates the account, or, when it exists, updates the given profile fields. The unique index
   * decides between concurrent imports (no reliance on atomic upserts, which FerretDB lacks).
   */
  async upsert(sdkAppId: number, userId: string, profile: { nick?: string; faceUrl?: string }): Promise<boolean> {
    try {
      await this.accounts.create({ _id: accountKey(sdkAppId, userId), sdkAppId, userId, nick: profile.nick ?? '', faceUrl: profile.faceUrl ?? '', createdAt: new Date() });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const set: Record<string, string> = {};
      if (profile.nick !== undefined) set['nick'] = profile.nick;
      if (profile.faceUrl !== undefined) set['faceUrl'] = profile.faceUrl;
      if (Object.keys(set).length) await this.accounts.updateOne({ _id: accountKey(sdkAppId, userId) }, { $set: set }).exec();
      return false;
    }
  }

  /** How many accounts the app has (an equality on the indexed sdkAppId: an index lookup on FerretDB). */
  async count(sdkAppId: number): Promise<number> {
    return this.accounts.countDocuments({ sdkAppId }).exec();
  }

  /**
   * The account, created when missing. Insert first: on FerretDB a lookup that misses reads the
   * whole collection (~20 ms at 6,000 accounts) while a hit or an insert takes ~1-3 ms.
   */
  async ensure(sdkAppId: number, userId: string): Promise<{ account: AccountRecord; created: boolean }> {
    const doc = { _id: accountKey(sdkAppId, userId), sdkAppId, userId, nick: '', faceUrl: '', createdAt: new Date() };
    try {
      await this.accounts.create(doc);
      return { account: doc, created: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return { account: (await this.find(sdkAppId, userId)) ?? doc, created: false };
    }
  }

  async find(sdkAppId: number, userId: string): Promise<AccountRecord | null> {
    return this.accounts.findById(accountKey(sdkAppId, userId)).lean<AccountRecord>().exec();
  }

  /** The subset of userIds that exist. */
  async existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return new Set((await this.mutes(sdkAppId, userIds)).keys());
  }

  /** The accounts that exist, with their app-wide mute deadlines. */
  async mutes(sdkAppId: number, userIds: string[]): Promise<Map<string, { c2cMutedUntil: number; groupMutedUntil: number }>> {
    const docs = await findByIds(
      this.accounts,
      userIds.map((u) => accountKey(sdkAppId, u)),
      { userId: 1, c2cMutedUntil: 1, groupMutedUntil: 1 },
    );
    return new Map(docs.map((d) => [d.userId, { c2cMutedUntil: d.c2cMutedUntil ?? 0, groupMutedUntil: d.groupMutedUntil ?? 0 }]));
  }

  /** Sets mute deadlines; false when the account does not exist. */
  async setMutes(sdkAppId: number, userId: string, set: { c2cMutedUntil?: number; groupMutedUntil?: number }): Promise<boolean> {
    const res = await this.accounts.updateOne({ _id: accountKey(sdkAppId, userId) }, { $set: set }).exec();
    return res.matchedCount > 0;
  }

  /** UserIDs after `after` in ascending order (a keyset page). */
  async page(sdkAppId: number, after: string, limit: number): Promise<string[]> {
    // A range on _id ("<app>:" … "<app>;") pages one app in UserID order.
    const filter = { _id: { $gt: accountKey(sdkAppId, after), $lt: `${sdkAppId};` } };
    const docs = await this.accounts.find(filter, { userId: 1 }).sort({ _id: 1 }).limit(limit).lean<{ userId: string }[]>().exec();
    return docs.map((d) => d.userId);
  }

  async delete(sdkAppId: number, userIds: string[]): Promise<number> {
    // One delete per _id: a `$in` filter scans the collection on FerretDB (see findByIds).
    const results = await Promise.all(userIds.map((u) => this.accounts.deleteOne({ _id: accountKey(sdkAppId, u) }).exec()));
    return results.reduce((n, r) => n + r.deletedCount, 0);
  }
}
