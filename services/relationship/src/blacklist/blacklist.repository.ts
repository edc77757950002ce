import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '@meridian/platform';
import { BlacklistDoc, BlacklistVersionDoc, blacklistKey } from './blacklist.schema';

@Injectable()
export class BlacklistRepository {
  constructor(
    @InjectModel(BlacklistDoc.name) private readonly entries: Model<BlacklistDoc>,
    @InjectModel(BlacklistVersionDoc.name) private readonly versions: Model<BlacklistVersionDoc>,
  ) {}

  /** Adds an entry; false when it was there already (the unique _id decides). */
  async add(sdkAppId: number, owner: string, target: string, addedAt: number): Promise<boolean> {
    try {
      await this.entries.create({ _id: blacklistKey(sdkAppId, owner, target), sdkAppId, owner, target, addedAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async remove(sdkAppId: number, owner: string, target: string): Promise<boolean> {
    return (await this.entries.deleteOne({ _id: blacklistKey(sdkAppId, owner, target) }).exec()).deletedCount > 0;
  }

  /**
   * Whether owner has blacklisted target: one `_id` lookup.
   */
  async has(sdkAppId: number, owner: string, target: string): Promise<boolean> {
    const id = blacklistKey(sdkAppId, owner, target);
    return (await this.entries.findById(id, { _id: 1 }).lean().exec()) !== null;
  }

  /** The owner's whole list (at most the limit plus one), in target order. */
  async list(sdkAppId: number, owner: string, limit: number): Promise<BlacklistDoc[]> {
    return this.entries
      .find({ sdkAppId, owner, _id: { $gt: `${sdkAppId}:${owner}:`, $lt: `${sdkAppId}:${owner};` } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<BlacklistDoc[]>()
      .exec();
  }

  /** Drops the owner's whole list and its version (the account was deleted; at most 1000 entries). */
  async removeList(sdkAppId: number, owner: string): Promise<void> {
    await this.entries.deleteMany({ sdkAppId, owner, _id: { $gt: `${sdkAppId}:${owner}:`, $lt: `${sdkAppId}:${owner};` } }).exec();
    await this.versions.deleteOne({ _id: `${sdkAppId}:${owner}` }).exec();
  }

  async version(sdkAppId: number, owner: string): Promise<number> {
    const id = `${sdkAppId}:${owner}`;
    return (await this.versions.findById(id).lean<BlacklistVersionDoc>().exec())?.seq ?? 0;
  }

  /** Raises the list's version to at least `seq` (a millisecond clock: concurrent bumps only ever raise it). */
  async bump(sdkAppId: number, owner: string, seq: number): Promise<void> {
    await this.versions.updateOne({ _id: `${sdkAppId}:${owner}` }, { $max: { seq } }, { upsert: true }).exec();
  }
}
