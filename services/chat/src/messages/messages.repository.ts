import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { GroupCommit, backfillOnce, findInMinute, isDuplicateKey, minuteKey } from '@meridian/platform';
import { C2cMessageDoc, ImportKeyDoc, SeqFloorDoc, messageId } from './message.schema';

const MAX_SEQ = 999_999_999_999;

@Injectable()
export class MessagesRepository implements OnModuleInit {
  private readonly logger = new Logger(MessagesRepository.name);

  /** Concurrent sends' inserts, group-committed (one insertMany per batch). */
  private readonly inserts = new GroupCommit<C2cMessageDoc, boolean>((docs) => this.insertBatch(docs), 100, 2);

  constructor(
    @InjectModel(C2cMessageDoc.name) private readonly messages: Model<C2cMessageDoc>,
    @InjectModel(SeqFloorDoc.name) private readonly floors: Model<SeqFloorDoc>,
    @InjectModel(ImportKeyDoc.name) private readonly importKeys: Model<ImportKeyDoc>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /** Messages stored before they carried `minute` get it, so get_history exports them too. */
  async onModuleInit(): Promise<void> {
    await backfillOnce(this.connection, this.logger, { name: 'c2c_messages.minute', model: this.messages, missing: { minute: { $exists: false } }, fields: (d) => ({ minute: minuteKey(d.sdkAppId, d.time) }) });
  }

  /** Stores a message; false when its (conversation, seq) is taken already. */
  insert(doc: C2cMessageDoc): Promise<boolean> {
    // Every field written out (a plain driver insert applies no schema defaults).
    return this.inserts.run({
      ...doc,
      cloudCustomData: doc.cloudCustomData ?? '',
      recalled: Boolean(doc.recalled),
      noUnread: Boolean(doc.noUnread),
      hiddenFromSender: Boolean(doc.hiddenFromSender),
      minute: minuteKey(doc.sdkAppId, doc.time),
    });
  }

  /**
   * One batch of concurrent sends' messages in one `insertMany` (plain documents, no mongoose
   * document per message). When it fails, each message's outcome is read back instead of trusted
   * from the error (FerretDB 1.24's bulk-write error index was seen pointing at an applied write):
   * stored by this batch → true, the seq taken by another message → false, missing → inserted alone.
   */
  private async insertBatch(docs: C2cMessageDoc[]): Promise<boolean[]> {
    try {
      await this.messages.collection.insertMany(docs as never[], { ordered: false });
      return docs.map(() => true);
    } catch (err) {
      if (!isDuplicateKey(err) && docs.length === 1) throw err;
      return Promise.all(docs.map((d) => this.insertOrRecognise(d)));
    }
  }

  private async insertOrRecognise(doc: C2cMessageDoc): Promise<boolean> {
    const ours = async () => {
      const found = await this.messages.findById(doc._id, { from: 1, random: 1, time: 1, key: 1 }).lean<Pick<C2cMessageDoc, 'from' | 'random' | 'time' | 'key'>>().exec();
      return found ? found.from === doc.from && found.random === doc.random && found.time === doc.time && found.key === doc.key : undefined;
    };
    const known = await ours();
    if (known !== undefined) return known;
    try {
      await this.messages.collection.insertOne(doc as never);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return (await ours()) ?? false;
      throw err;
    }
  }

  /** Messages of one minute bucket with _id > afterId ('' = all), by _id (get_history exports). */
  async inMinute(minute: string, afterId: string, limit: number): Promise<C2cMessageDoc[]> {
    return findInMinute(this.messages, minute, afterId, limit);
  }

  async findOne(id: string): Promise<C2cMessageDoc | null> {
    return this.messages.findById(id).lean<C2cMessageDoc>().exec();
  }

  /**
   * A message `from` stored in the conversation with this random at or after `sinceTime` (unix
   * s): the durable record of a send, for when Redis no longer holds its de-duplication claim.
   */
  async findSent(sdkAppId: number, conversationId: string, from: string, random: number, sinceTime: number): Promise<C2cMessageDoc | null> {
    return this.messages.findOne({ sdkAppId, conversationId, random, from, time: { $gte: sinceTime } }).lean<C2cMessageDoc>().exec();
  }

  /** Marks a message recalled and drops its content; false when it already was. */
  async markRecalled(id: string): Promise<boolean> {
    const res = await this.messages.updateOne({ _id: id, recalled: { $ne: true } }, { $set: { recalled: true, body: '[]', cloudCustomData: '' } }).exec();
    return res.modifiedCount > 0;
  }

  /** Overwrites the content of a message that is not recalled; false when there is none. */
  async modify(id: string, set: { body?: string; cloudCustomData?: string }): Promise<boolean> {
    const res = await this.messages.updateOne({ _id: id, recalled: { $ne: true } }, { $set: set }).exec();
    return res.matchedCount > 0;
  }

  /**
   * The highest seq a conversation ever had (0 when none): its newest stored message, or the floor
   * the retention job left when it purged them. The durable high-water mark of the sequence.
   */
  async maxSeq(sdkAppId: number, conversationId: string): Promise<number> {
    const [doc, floor] = await Promise.all([
      this.messages
        .findOne({ sdkAppId, conversationId, _id: { $gte: messageId(sdkAppId, conversationId, 0), $lte: messageId(sdkAppId, conversationId, MAX_SEQ) } }, { seq: 1 })
        .sort({ _id: -1 })
        .lean<{ seq: number }>()
        .exec(),
      this.floors.findById(`${sdkAppId}:${conversationId}`).lean<SeqFloorDoc>().exec(),
    ]);
    return Math.max(doc?.seq ?? 0, floor?.seq ?? 0);
  }

  /** Messages with afterSeq < seq ≤ uptoSeq, oldest first. */
  async after(sdkAppId: number, conversationId: string, afterSeq: number, limit: number, uptoSeq = MAX_SEQ): Promise<C2cMessageDoc[]> {
    return this.messages
      .find({ sdkAppId, conversationId, _id: { $gt: messageId(sdkAppId, conversationId, afterSeq), $lte: messageId(sdkAppId, conversationId, uptoSeq) } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<C2cMessageDoc[]>()
      .exec();
  }

  /** Messages with seq < beforeSeq, newest first. */
  async before(sdkAppId: number, conversationId: string, beforeSeq: number, limit: number): Promise<C2cMessageDoc[]> {
    return this.messages
      .find({ sdkAppId, conversationId, _id: { $gte: messageId(sdkAppId, conversationId, 0), $lt: messageId(sdkAppId, conversationId, beforeSeq) } })
      .sort({ _id: -1 })
      .limit(limit)
      .lean<C2cMessageDoc[]>()
      .exec();
  }

  /**
   * Messages with minTime <= time <= maxTime, newest first by (time, seq); at maxTime only those
   * with seq < beforeSeq when given (the continuation of a page that ended in that second).
   */
  async byTime(sdkAppId: number, conversationId: string, minTime: number, maxTime: number, beforeSeq: number | undefined, limit: number): Promise<C2cMessageDoc[]> {
    const window = beforeSeq ? { $or: [{ time: { $gte: minTime, $lt: maxTime } }, { time: maxTime, seq: { $lt: beforeSeq } }] } : { time: { $gte: minTime, $lte: maxTime } };
    return this.messages
      .find({ sdkAppId, conversationId, ...window })
      .sort({ time: -1, seq: -1 })
      .limit(limit)
      .lean<C2cMessageDoc[]>()
      .exec();
  }

  /** Counting view of afterSeq < seq ≤ uptoSeq (sender, flags, expiry only). */
  async unreadCandidates(sdkAppId: number, conversationId: string, afterSeq: number, uptoSeq: number, limit: number) {
    return this.messages
      .find(
        { sdkAppId, conversationId, _id: { $gt: messageId(sdkAppId, conversationId, afterSeq), $lte: messageId(sdkAppId, conversationId, uptoSeq) } },
        { from: 1, recalled: 1, noUnread: 1, expiresAt: 1 },
      )
      .limit(limit)
      .lean<Pick<C2cMessageDoc, 'from' | 'recalled' | 'noUnread' | 'expiresAt'>[]>()
      .exec();
  }

  /** Up to `limit` messages past their retention (oldest expiry first where the store can sort). */
  async expired(now: Date, limit: number): Promise<Pick<C2cMessageDoc, '_id' | 'sdkAppId' | 'conversationId' | 'seq'>[]> {
    return this.messages
      .find({ expiresAt: { $lt: now } }, { sdkAppId: 1, conversationId: 1, seq: 1 })
      .limit(limit)
      .lean<Pick<C2cMessageDoc, '_id' | 'sdkAppId' | 'conversationId' | 'seq'>[]>()
      .exec();
  }

  /** Raises a conversation's seq floor to at least `seq` (one writer: the retention job). */
  async raiseFloor(sdkAppId: number, conversationId: string, seq: number): Promise<void> {
    await this.floors.updateOne({ _id: `${sdkAppId}:${conversationId}` }, { $max: { seq } }, { upsert: true }).exec();
  }

  async deleteIds(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const res = await this.messages.deleteMany({ _id: { $in: ids } }).exec();
    return res.deletedCount;
  }

  /**
   * Claims an import key. Returns undefined when claimed now, or the earlier import (seq 0 while
   * that import is still in flight).
   */
  async claimImportKey(id: string, expiresAt: Date): Promise<ImportKeyDoc | undefined> {
    try {
      await this.importKeys.create({ _id: id, seq: 0, msgKey: '', expiresAt });
      return undefined;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      return (await this.importKeys.findById(id).lean<ImportKeyDoc>().exec()) ?? { _id: id, seq: 0, msgKey: '', expiresAt };
    }
  }

  async completeImportKey(id: string, seq: number, msgKey: string): Promise<void> {
    await this.importKeys.updateOne({ _id: id }, { $set: { seq, msgKey } }).exec();
  }

  async releaseImportKey(id: string): Promise<void> {
    await this.importKeys.deleteOne({ _id: id }).exec();
  }

  async purgeImportKeys(now: Date): Promise<number> {
    return (await this.importKeys.deleteMany({ expiresAt: { $lt: now } }).exec()).deletedCount;
  }
}
