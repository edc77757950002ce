import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model, UpdateQuery } from 'mongoose';
import { isDuplicateKey } from '@meridian/platform';
import { FriendDoc, FriendMetaDoc, FriendRequestDoc, friendKey, incomingKey, outgoingKey } from './friend.schema';

/** One document by `_id` (an equality: the only `_id` filter FerretDB serves from an index). */
const one = (id: string) => ({ _id: id });
/**
 * Every _id starting with `prefix` (which ends with ':'), next to an indexed equality: on FerretDB
 * only the equality reaches an index, the _id bound then filters that user's documents.
 */
const range = (prefix: string) => ({ $gt: prefix, $lt: `${prefix.slice(0, -1)};` });

@Injectable()
export class FriendsRepository {
  constructor(
    @InjectModel(FriendDoc.name) private readonly friends: Model<FriendDoc>,
    @InjectModel(FriendRequestDoc.name) private readonly requests: Model<FriendRequestDoc>,
    @InjectModel(FriendMetaDoc.name) private readonly meta: Model<FriendMetaDoc>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  async find(sdkAppId: number, owner: string, friend: string): Promise<FriendDoc | null> {
    return this.friends.findOne(one(friendKey(sdkAppId, owner, friend))).lean<FriendDoc>().exec();
  }

  /** Creates the direction owner → friend; false when it exists. */
  async add(doc: Omit<FriendDoc, '_id'>): Promise<boolean> {
    try {
      await this.friends.create({ _id: friendKey(doc.sdkAppId, doc.owner, doc.friend), ...doc });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async remove(sdkAppId: number, owner: string, friend: string): Promise<boolean> {
    return (await this.friends.deleteOne({ _id: friendKey(sdkAppId, owner, friend) }).exec()).deletedCount > 0;
  }

  async update(sdkAppId: number, owner: string, friend: string, update: UpdateQuery<FriendDoc>): Promise<boolean> {
    return (await this.friends.updateOne({ _id: friendKey(sdkAppId, owner, friend) }, update).exec()).matchedCount > 0;
  }

  /** The owner's friends in id order (at most `limit`). */
  async list(sdkAppId: number, owner: string, limit: number): Promise<FriendDoc[]> {
    return this.friends.find({ sdkAppId, owner, _id: range(`${sdkAppId}:${owner}:`) }).sort({ _id: 1 }).limit(limit).lean<FriendDoc[]>().exec();
  }

  async addRequest(doc: Omit<FriendRequestDoc, '_id'>): Promise<void> {
    // Both copies are replaced: a repeated request refreshes wording and time.
    await Promise.all([
      this.requests.replaceOne({ _id: incomingKey(doc.sdkAppId, doc.to, doc.from) }, { _id: incomingKey(doc.sdkAppId, doc.to, doc.from), ...doc }, { upsert: true }).exec(),
      this.requests.replaceOne({ _id: outgoingKey(doc.sdkAppId, doc.from, doc.to) }, { _id: outgoingKey(doc.sdkAppId, doc.from, doc.to), ...doc }, { upsert: true }).exec(),
    ]);
  }

  async findRequest(sdkAppId: number, requester: string, target: string): Promise<FriendRequestDoc | null> {
    return this.requests.findOne(one(incomingKey(sdkAppId, target, requester))).lean<FriendRequestDoc>().exec();
  }

  async removeRequest(sdkAppId: number, requester: string, target: string): Promise<boolean> {
    const [a] = await Promise.all([
      this.requests.deleteOne({ _id: incomingKey(sdkAppId, target, requester) }).exec(),
      this.requests.deleteOne({ _id: outgoingKey(sdkAppId, requester, target) }).exec(),
    ]);
    return a.deletedCount > 0;
  }

  async incoming(sdkAppId: number, target: string, limit: number): Promise<FriendRequestDoc[]> {
    return this.requests.find({ sdkAppId, to: target, _id: range(`${sdkAppId}:in:${target}:`) }).sort({ _id: 1 }).limit(limit).lean<FriendRequestDoc[]>().exec();
  }

  async outgoing(sdkAppId: number, requester: string, limit: number): Promise<FriendRequestDoc[]> {
    return this.requests.find({ sdkAppId, from: requester, _id: range(`${sdkAppId}:out:${requester}:`) }).sort({ _id: 1 }).limit(limit).lean<FriendRequestDoc[]>().exec();
  }

  /** Drops the owner's friend lists and versions (the account was deleted). */
  async removeMeta(sdkAppId: number, owner: string): Promise<void> {
    await this.meta.deleteOne({ _id: `${sdkAppId}:${owner}` }).exec();
  }

  async meta_(sdkAppId: number, owner: string): Promise<FriendMetaDoc> {
    const id = `${sdkAppId}:${owner}`;
    const doc = await this.meta.findOne(one(id)).lean<Partial<FriendMetaDoc>>().exec();
    // Upserts by $max create the document with only the raised field.
    return { _id: id, groups: doc?.groups ?? [], seq: doc?.seq ?? 0, groupSeq: doc?.groupSeq ?? 0 };
  }

  async updateMeta(sdkAppId: number, owner: string, update: UpdateQuery<FriendMetaDoc>): Promise<void> {
    await this.meta.updateOne({ _id: `${sdkAppId}:${owner}` }, update, { upsert: true }).exec();
  }

  /** Raises the version of the owner's friend data. */
  async bump(sdkAppId: number, owner: string): Promise<void> {
    await this.updateMeta(sdkAppId, owner, { $max: { seq: Date.now() } });
  }

  /**
   * Facts from the profile module's store the friend rules need (AllowType, AdminForbidType),
   * read from its collection in this service's own database.
   */
  async profileFacts(sdkAppId: number, userId: string): Promise<{ allowType: string; adminForbidType: string }> {
    const id = `${sdkAppId}:${userId}`;
    const doc = await this.connection.collection<{ _id: string; values?: Record<string, unknown> }>('profiles').findOne(one(id) as never, {
      projection: { 'values.Tag_Profile_IM_AllowType': 1, 'values.Tag_Profile_IM_AdminForbidType': 1 },
    });
    const v = doc?.values ?? {};
    return {
      allowType: typeof v['Tag_Profile_IM_AllowType'] === 'string' ? v['Tag_Profile_IM_AllowType'] : 'AllowType_Type_NeedConfirm',
      adminForbidType: typeof v['Tag_Profile_IM_AdminForbidType'] === 'string' ? v['Tag_Profile_IM_AdminForbidType'] : 'AdminForbid_Type_None',
    };
  }
}
