import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { findByIds, isDuplicateKey } from '@meridian/platform';
import { AttrNamesDoc, UserAudienceDoc, audienceKey } from './audience.schema';

export interface AudienceCondition {
  attrsAnd?: Record<string, string>;
  attrsOr?: Record<string, string>;
  tagsAnd?: string[];
  tagsOr?: string[];
}

@Injectable()
export class AudienceRepository {
  constructor(
    @InjectModel(AttrNamesDoc.name) private readonly names: Model<AttrNamesDoc>,
    @InjectModel(UserAudienceDoc.name) private readonly users: Model<UserAudienceDoc>,
  ) {}

  async attrNames(sdkAppId: number): Promise<Record<string, string>> {
    return (await this.names.findById(sdkAppId).lean<AttrNamesDoc>().exec())?.names ?? {};
  }

  async setAttrNames(sdkAppId: number, names: Record<string, string>): Promise<void> {
    const set = Object.fromEntries(Object.entries(names).map(([k, v]) => [`names.${k}`, v]));
    await this.names.updateOne({ _id: sdkAppId }, { $set: set }, { upsert: true }).exec();
  }

  async find(sdkAppId: number, userIds: string[]): Promise<UserAudienceDoc[]> {
    return findByIds(
      this.users,
      userIds.map((u) => audienceKey(sdkAppId, u)),
    );
  }

  /** Creates missing user documents; the unique index keeps concurrent creators from duplicating. */
  private async ensure(sdkAppId: number, userId: string): Promise<void> {
    try {
      await this.users.create({ _id: audienceKey(sdkAppId, userId), sdkAppId, userId, attrs: {}, tags: [] });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }

  async setAttrs(sdkAppId: number, userId: string, attrs: Record<string, string>): Promise<void> {
    await this.ensure(sdkAppId, userId);
    const set = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`attrs.${k}`, v]));
    await this.users.updateOne({ _id: audienceKey(sdkAppId, userId) }, { $set: set }).exec();
  }

  async removeAttrs(sdkAppId: number, userId: string, names: string[]): Promise<void> {
    const unset = Object.fromEntries(names.map((n) => [`attrs.${n}`, '']));
    await this.users.updateOne({ _id: audienceKey(sdkAppId, userId) }, { $unset: unset }).exec();
  }

  async addTags(sdkAppId: number, userId: string, tags: string[]): Promise<void> {
    await this.ensure(sdkAppId, userId);
    await this.users.updateOne({ _id: audienceKey(sdkAppId, userId) }, { $addToSet: { tags: { $each: tags } } }).exec();
  }

  async removeTags(sdkAppId: number, userId: string, tags: string[]): Promise<void> {
    await this.users.updateOne({ _id: audienceKey(sdkAppId, userId) }, { $pullAll: { tags } }).exec();
  }

  async removeAllTags(sdkAppId: number, userIds: string[]): Promise<void> {
    await Promise.all(userIds.map((u) => this.users.updateOne({ _id: audienceKey(sdkAppId, u) }, { $set: { tags: [] } }).exec()));
  }

  /** A keyset page of the users matching a condition, in userId order. */
  async page(sdkAppId: number, condition: AudienceCondition, after: string, limit: number): Promise<string[]> {
    // Attribute paths are app-defined names, so the filter is built as a plain record.
    const filter: Record<string, unknown> = { sdkAppId, ...(after ? { userId: { $gt: after } } : {}) };
    if (condition.tagsAnd?.length) filter['tags'] = { $all: condition.tagsAnd };
    else if (condition.tagsOr?.length) filter['tags'] = { $in: condition.tagsOr };
    else if (condition.attrsAnd && Object.keys(condition.attrsAnd).length) {
      for (const [k, v] of Object.entries(condition.attrsAnd)) filter[`attrs.${k}`] = v;
    } else if (condition.attrsOr && Object.keys(condition.attrsOr).length) {
      filter['$or'] = Object.entries(condition.attrsOr).map(([k, v]) => ({ [`attrs.${k}`]: v }));
    }
    const docs = await this.users.find(filter, { userId: 1 }).sort({ userId: 1 }).limit(limit).lean<{ userId: string }[]>().exec();
    return docs.map((d) => d.userId);
  }
}
