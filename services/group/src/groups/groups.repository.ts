import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model, UpdateQuery } from 'mongoose';
import { LockedJob, RedisClient, backfillOnce, deleteInBatches, findInMinute, isDuplicateKey, minuteKey } from '@meridian/platform';
import { GroupKeys } from '../group.keys';
import {
  ApplicationDoc,
  GroupAppSettingsDoc,
  GroupDoc,
  GroupMessageDoc,
  MemberDoc,
  MuteDoc,
  UserGroupDoc,
  groupKey,
  memberKey,
  messageKey,
} from './group.schema';

export interface Audience {
  version: string;
  /** MsgFlag AcceptAndNotify: online and offline push. */
  notify: string[];
  /** MsgFlag AcceptNotNotify: online only. */
  quiet: string[];
}

/** Audiences kept (the most recently loaded groups). */
const AUDIENCE_CACHE_GROUPS = 1000;

/** One document by `_id` (an equality: the only `_id` filter FerretDB serves from an index). */
const one = (id: string) => ({ _id: id });

async function insert<T>(model: Model<T>, doc: T): Promise<boolean> {
  try {
    await model.create(doc);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

@Injectable()
export class GroupsRepository implements OnModuleInit {
  private readonly logger = new Logger(GroupsRepository.name);

  constructor(
    @InjectModel(GroupDoc.name) private readonly groups: Model<GroupDoc>,
    @InjectModel(MemberDoc.name) private readonly members: Model<MemberDoc>,
    @InjectModel(UserGroupDoc.name) private readonly userGroups: Model<UserGroupDoc>,
    @InjectModel(MuteDoc.name) private readonly mutes: Model<MuteDoc>,
    @InjectModel(ApplicationDoc.name) private readonly applications: Model<ApplicationDoc>,
    @InjectModel(GroupMessageDoc.name) private readonly messages: Model<GroupMessageDoc>,
    @InjectModel(GroupAppSettingsDoc.name) private readonly settings: Model<GroupAppSettingsDoc>,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /** The retention job: run by one group instance per region at a time (the lock is a Redis key). */
  retentionJob(intervalS: number, logger: Logger, run: () => Promise<void>): LockedJob {
    return new LockedJob(this.redis.redis, GroupKeys.retentionLock(), intervalS, logger, run);
  }

  /** Mutes, applications and messages stored before they carried (sdkAppId, groupId) get them ... */
  async onModuleInit(): Promise<void> {
    // _id "<sdkAppId>:<groupId>:<userId>" (the userId is stored) or "<sdkAppId>:<groupId>:<seq>".
    const split = (id: string, tailLength: number) => {
      const head = id.slice(0, id.length - tailLength - 1);
      const sep = head.indexOf(':');
      return { sdkAppId: Number(head.slice(0, sep)), groupId: head.slice(sep + 1) };
    };
    const missing = { groupId: { $exists: false } };
    await backfillOnce(this.connection, this.logger, { name: 'group_mutes.group', model: this.mutes, missing, fields: (d) => split(d._id, d.userId.length) });
    await backfillOnce(this.connection, this.logger, { name: 'group_applications.group', model: this.applications, missing, fields: (d) => split(d._id, d.userId.length) });
    await backfillOnce(this.connection, this.logger, { name: 'group_messages.group', model: this.messages, missing, fields: (d) => split(d._id, d._id.length - d._id.lastIndexOf(':') - 1) });
    // ... and messages stored before they carried `minute` get it, so get_history exports them.
    await backfillOnce(this.connection, this.logger, { name: 'group_messages.minute', model: this.messages, missing: { minute: { $exists: false } }, fields: (d) => ({ minute: minuteKey(d.sdkAppId, d.time) }) });
  }

  /**
   * Who a group message goes to, by MsgFlag (Discard gets nothing). Every message needs it, so
   * the lists are kept here and reloaded only when the group's member version moves:
   * each write below bumps it after writing, so a list read after a version is never older than
   * that version (a 6,000-member group cost 6,000 documents read per message before).
   */
  async audience(sdkAppId: number, groupId: string): Promise<Audience> {
    const key = `${sdkAppId}:${groupId}`;
    const versionKey = GroupKeys.memberVersion(sdkAppId, groupId);
    let version = await this.redis.redis.get(versionKey);
    if (!version) {
      // Never set, or lost with Redis: a new random version, so no cached list can match it.
      await this.redis.redis.set(versionKey, randomUUID(), 'NX');
      version = (await this.redis.redis.get(versionKey)) ?? randomUUID();
    }
    const hit = this.audiences.get(key);
    if (hit?.version === version) return hit;
    const members = await this.memberList(sdkAppId, groupId);
    const entry: Audience = {
      version,
      notify: members.filter((m) => m.msgFlag === 'AcceptAndNotify').map((m) => m.userId),
      quiet: members.filter((m) => m.msgFlag === 'AcceptNotNotify').map((m) => m.userId),
    };
    this.audiences.delete(key);
    this.audiences.set(key, entry);
    if (this.audiences.size > AUDIENCE_CACHE_GROUPS) this.audiences.delete(this.audiences.keys().next().value as string);
    return entry;
  }

  private readonly audiences = new Map<string, Audience>();

  private async membersChanged(sdkAppId: number, groupId: string): Promise<void> {
    // A random version, not a counter: after a Redis loss a counter could come back to a value a
    // cached (stale) list still carries.
    await this.redis.redis.set(GroupKeys.memberVersion(sdkAppId, groupId), randomUUID());
  }

  async appSettings(sdkAppId: number): Promise<GroupAppSettingsDoc> {
    const doc = await this.settings.findById(sdkAppId).lean<Partial<GroupAppSettingsDoc>>().exec();
    return { _id: sdkAppId, groupFields: doc?.groupFields ?? [], memberFields: doc?.memberFields ?? [], maxMembers: doc?.maxMembers ?? {} };
  }

  async saveAppSettings(doc: GroupAppSettingsDoc): Promise<void> {
    await this.settings.replaceOne({ _id: doc._id }, doc, { upsert: true }).exec();
  }

  createGroup(doc: GroupDoc): Promise<boolean> {
    return insert(this.groups, doc);
  }

  async group(sdkAppId: number, groupId: string): Promise<GroupDoc | null> {
    return this.groups.findOne(one(groupKey(sdkAppId, groupId))).lean<GroupDoc>().exec();
  }

  async updateGroup(sdkAppId: number, groupId: string, update: UpdateQuery<GroupDoc>): Promise<void> {
    await this.groups.updateOne({ _id: groupKey(sdkAppId, groupId) }, update).exec();
  }

  async deleteGroup(sdkAppId: number, groupId: string): Promise<void> {
    const members = await this.memberList(sdkAppId, groupId);
    await Promise.all(members.map((m) => this.userGroups.deleteOne({ _id: `${sdkAppId}:${m.userId}:${groupId}` }).exec()));
    await this.members.deleteMany({ sdkAppId, groupId }).exec();
    await this.membersChanged(sdkAppId, groupId);
    await this.applications.deleteMany({ sdkAppId, groupId }).exec();
    await this.mutes.deleteMany({ sdkAppId, groupId }).exec();
    await deleteInBatches(this.messages, { sdkAppId, groupId });
    await this.groups.deleteOne({ _id: groupKey(sdkAppId, groupId) }).exec();
  }

  /** A page of an app's groups in id order. */
  async appGroups(sdkAppId: number, after: string, limit: number): Promise<GroupDoc[]> {
    const from = after ? groupKey(sdkAppId, after) : `${sdkAppId}:`;
    return this.groups.find({ _id: { $gt: from, $lt: `${sdkAppId};` } }).sort({ _id: 1 }).limit(limit).lean<GroupDoc[]>().exec();
  }

  async member(sdkAppId: number, groupId: string, userId: string): Promise<MemberDoc | null> {
    return this.members.findOne(one(memberKey(sdkAppId, groupId, userId))).lean<MemberDoc>().exec();
  }

  async memberList(sdkAppId: number, groupId: string): Promise<MemberDoc[]> {
    return this.members.find({ sdkAppId, groupId }).sort({ _id: 1 }).lean<MemberDoc[]>().exec();
  }

  /** How many members a group has (counted by the store; a list of 6,000 is not read for it). */
  async memberCount(sdkAppId: number, groupId: string): Promise<number> {
    return this.members.countDocuments({ sdkAppId, groupId }).exec();
  }

  /** Adds a member (and the user's reverse entry); false when already one. */
  async addMember(doc: MemberDoc): Promise<boolean> {
    if (!(await insert(this.members, doc))) return false;
    await this.membersChanged(doc.sdkAppId, doc.groupId);
    await this.userGroups.updateOne({ _id: `${doc.sdkAppId}:${doc.userId}:${doc.groupId}` }, { $set: { owner: `${doc.sdkAppId}:${doc.userId}`, groupId: doc.groupId, joinTime: doc.joinTime } }, { upsert: true }).exec();
    return true;
  }

  async removeMember(sdkAppId: number, groupId: string, userId: string): Promise<boolean> {
    const res = await this.members.deleteOne({ _id: memberKey(sdkAppId, groupId, userId) }).exec();
    await this.membersChanged(sdkAppId, groupId);
    await this.userGroups.deleteOne({ _id: `${sdkAppId}:${userId}:${groupId}` }).exec();
    return res.deletedCount > 0;
  }

  async updateMember(sdkAppId: number, groupId: string, userId: string, update: UpdateQuery<MemberDoc>): Promise<boolean> {
    const matched = (await this.members.updateOne({ _id: memberKey(sdkAppId, groupId, userId) }, update).exec()).matchedCount > 0;
    if (matched && (update as { $set?: Partial<MemberDoc> }).$set?.msgFlag !== undefined) await this.membersChanged(sdkAppId, groupId);
    return matched;
  }

  async groupsOf(sdkAppId: number, userId: string): Promise<UserGroupDoc[]> {
    return this.userGroups.find({ owner: `${sdkAppId}:${userId}` }).sort({ joinTime: 1 }).lean<UserGroupDoc[]>().exec();
  }

  async muteOf(sdkAppId: number, groupId: string, userId: string): Promise<number> {
    return (await this.mutes.findOne(one(memberKey(sdkAppId, groupId, userId))).lean<MuteDoc>().exec())?.until ?? 0;
  }

  async setMute(sdkAppId: number, groupId: string, userId: string, until: number): Promise<void> {
    if (until === 0) await this.mutes.deleteOne({ _id: memberKey(sdkAppId, groupId, userId) }).exec();
    else await this.mutes.updateOne({ _id: memberKey(sdkAppId, groupId, userId) }, { $set: { sdkAppId, groupId, userId, until } }, { upsert: true }).exec();
  }

  async mutesOf(sdkAppId: number, groupId: string): Promise<MuteDoc[]> {
    return this.mutes.find({ sdkAppId, groupId }).sort({ _id: 1 }).lean<MuteDoc[]>().exec();
  }

  async addApplication(sdkAppId: number, groupId: string, userId: string, reason: string): Promise<void> {
    await this.applications.updateOne({ _id: memberKey(sdkAppId, groupId, userId) }, { $set: { sdkAppId, groupId, userId, reason, time: Math.floor(Date.now() / 1000) } }, { upsert: true }).exec();
  }

  async takeApplication(sdkAppId: number, groupId: string, userId: string): Promise<boolean> {
    return (await this.applications.deleteOne({ _id: memberKey(sdkAppId, groupId, userId) }).exec()).deletedCount > 0;
  }

  async applicationsOf(sdkAppId: number, groupId: string): Promise<ApplicationDoc[]> {
    return this.applications.find({ sdkAppId, groupId }).sort({ _id: 1 }).lean<ApplicationDoc[]>().exec();
  }

  insertMessage(sdkAppId: number, groupId: string, doc: Omit<GroupMessageDoc, '_id' | 'sdkAppId' | 'groupId'>): Promise<boolean> {
    return insert(this.messages, { _id: messageKey(sdkAppId, groupId, doc.seq), sdkAppId, groupId, ...doc, minute: minuteKey(sdkAppId, doc.time) });
  }

  /** Messages of one minute bucket with _id > afterId ('' = all), by _id (get_history exports). */
  async messagesInMinute(minute: string, afterId: string, limit: number): Promise<GroupMessageDoc[]> {
    return findInMinute(this.messages, minute, afterId, limit);
  }

  async message(sdkAppId: number, groupId: string, seq: number): Promise<GroupMessageDoc | null> {
    return this.messages.findOne(one(messageKey(sdkAppId, groupId, seq))).lean<GroupMessageDoc>().exec();
  }

  /** A message `from` stored with this Random at or after `sinceTime` (unix s): the durable record of a send. */
  async findSent(sdkAppId: number, groupId: string, from: string, random: number, sinceTime: number): Promise<GroupMessageDoc | null> {
    return this.messages.findOne({ sdkAppId, groupId, random, from, tip: false, time: { $gte: sinceTime } }).lean<GroupMessageDoc>().exec();
  }

  /** Overwrites the content of a message that is not recalled; false when there is none. */
  async modifyMessage(sdkAppId: number, groupId: string, seq: number, set: { body?: string; cloudCustomData?: string }): Promise<boolean> {
    return (await this.messages.updateOne({ _id: messageKey(sdkAppId, groupId, seq), recalled: { $ne: true } }, { $set: set }).exec()).matchedCount > 0;
  }

  async markRecalled(sdkAppId: number, groupId: string, seq: number): Promise<boolean> {
    const res = await this.messages.updateOne({ _id: messageKey(sdkAppId, groupId, seq), recalled: { $ne: true } }, { $set: { recalled: true, body: '[]', cloudCustomData: '' } }).exec();
    return res.modifiedCount > 0;
  }

  /**
   * The durable high-water mark of the group's sequence: the highest stored seq, or the floor the
   * retention job left when it deleted messages.
   */
  async maxSeq(sdkAppId: number, groupId: string): Promise<number> {
    const [doc, group] = await Promise.all([
      this.messages.findOne({ sdkAppId, groupId }, { seq: 1 }).sort({ _id: -1 }).lean<{ seq: number }>().exec(),
      this.groups.findOne(one(groupKey(sdkAppId, groupId)), { seqFloor: 1 }).lean<{ seqFloor?: number }>().exec(),
    ]);
    return Math.max(doc?.seq ?? 0, group?.seqFloor ?? 0);
  }

  /** Up to `limit` messages past their roaming period. */
  async expiredMessages(now: Date, limit: number): Promise<Pick<GroupMessageDoc, '_id' | 'sdkAppId' | 'groupId' | 'seq'>[]> {
    return this.messages.find({ expiresAt: { $lt: now } }, { sdkAppId: 1, groupId: 1, seq: 1 }).limit(limit).lean<Pick<GroupMessageDoc, '_id' | 'sdkAppId' | 'groupId' | 'seq'>[]>().exec();
  }

  async raiseSeqFloor(sdkAppId: number, groupId: string, seq: number): Promise<void> {
    await this.groups.updateOne({ _id: groupKey(sdkAppId, groupId) }, { $max: { seqFloor: seq } }).exec();
  }

  async deleteMessages(ids: string[]): Promise<number> {
    return ids.length ? (await this.messages.deleteMany({ _id: { $in: ids } }).exec()).deletedCount : 0;
  }

  /** Messages with seq < beforeSeq (newest first) or > afterSeq (oldest first). */
  async messagesPage(sdkAppId: number, groupId: string, opts: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<GroupMessageDoc[]> {
    if (opts.beforeSeq) {
      return this.messages
        .find({ sdkAppId, groupId, _id: { $lt: messageKey(sdkAppId, groupId, opts.beforeSeq) } })
        .sort({ _id: -1 })
        .limit(opts.limit)
        .lean<GroupMessageDoc[]>()
        .exec();
    }
    return this.messages
      .find({ sdkAppId, groupId, _id: { $gt: messageKey(sdkAppId, groupId, opts.afterSeq ?? 0) } })
      .sort({ _id: 1 })
      .limit(opts.limit)
      .lean<GroupMessageDoc[]>()
      .exec();
  }
}
