import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { findByIds, isDuplicateKey } from '@meridian/platform';
import { ProfileDoc, ProfileFieldsDoc, profileKey } from './profile.schema';
import type { CustomField, ProfileValue } from './profile-values';

@Injectable()
export class ProfilesRepository {
  constructor(
    @InjectModel(ProfileDoc.name) private readonly profiles: Model<ProfileDoc>,
    @InjectModel(ProfileFieldsDoc.name) private readonly fieldSets: Model<ProfileFieldsDoc>,
  ) {}

  /** The stored values of each user that has a profile document (users without one are absent). */
  async valuesOf(sdkAppId: number, userIds: readonly string[]): Promise<Map<string, Record<string, ProfileValue>>> {
    const docs = await findByIds(
      this.profiles,
      userIds.map((u) => profileKey(sdkAppId, u)),
      { userId: 1, values: 1 },
    );
    return new Map(docs.map((d) => [d.userId, d.values ?? {}]));
  }

  /**
   * Sets some fields of one profile. Insert first (a miss by _id reads the whole collection on
   * FerretDB); when the document exists, one $set of the given paths, which touches no other field,
   * so two concurrent sets of different fields both survive without a read-modify-write.
   */
  async set(sdkAppId: number, userId: string, values: Record<string, ProfileValue>): Promise<void> {
    const _id = profileKey(sdkAppId, userId);
    const now = new Date();
    try {
      await this.profiles.create({ _id, sdkAppId, userId, values, updatedAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const set: Record<string, unknown> = { updatedAt: now };
      // Tags are [A-Za-z0-9_] (checked before this), so they are safe as path segments.
      for (const [tag, value] of Object.entries(values)) set[`values.${tag}`] = value;
      await this.profiles.updateOne({ _id }, { $set: set }).exec();
    }
  }

  /** Drops users' profiles (their accounts were deleted). */
  async removeAll(sdkAppId: number, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) await this.profiles.deleteOne({ _id: profileKey(sdkAppId, userId) }).exec();
  }

  async fieldsOf(sdkAppId: number): Promise<CustomField[]> {
    const doc = await this.fieldSets.findById(sdkAppId).lean<ProfileFieldsDoc>().exec();
    return (doc?.fields ?? []).map((f) => ({
      name: f.name,
      type: f.type === 'integer' ? 'integer' : 'string',
      maxLength: f.maxLength,
      userReadable: f.userReadable,
      userWritable: f.userWritable,
    }));
  }

  /** Replaces the app's declared fields (insert first, then a whole-array $set). */
  async saveFields(sdkAppId: number, fields: CustomField[]): Promise<void> {
    const now = new Date();
    try {
      await this.fieldSets.create({ _id: sdkAppId, fields, updatedAt: now });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.fieldSets.updateOne({ _id: sdkAppId }, { $set: { fields, updatedAt: now } }).exec();
    }
  }
}
