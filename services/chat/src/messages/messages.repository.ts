import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '@meridian/platform';
import { C2cMessageDoc, messageId } from './message.schema';

@Injectable()
export class MessagesRepository {
  constructor(@InjectModel(C2cMessageDoc.name) private readonly messages: Model<C2cMessageDoc>) {}

  /** Stores a message; false when its (conversation, seq) is taken already. */
  async insert(doc: C2cMessageDoc): Promise<boolean> {
    try {
      await this.messages.create(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async findOne(id: string): Promise<C2cMessageDoc | null> {
    return this.messages.findById(id).lean<C2cMessageDoc>().exec();
  }

  /** Marks a message recalled and drops its content; false when it already was. */
  async markRecalled(id: string): Promise<boolean> {
    const res = await this.messages.updateOne({ _id: id, recalled: { $ne: true } }, { $set: { recalled: true, body: '[]', cloudCustomData: '' } }).exec();
    return res.modifiedCount > 0;
  }

  /** The highest stored seq of a conversation (0 when none): the durable high-water mark. */
  async maxSeq(sdkAppId: number, conversationId: string): Promise<number> {
    const doc = await this.messages
      .findOne({ _id: { $gte: messageId(sdkAppId, conversationId, 0), $lte: messageId(sdkAppId, conversationId, 999_999_999_999) } }, { seq: 1 })
      .sort({ _id: -1 })
      .lean<{ seq: number }>()
      .exec();
    return doc?.seq ?? 0;
  }

  /** Messages with afterSeq < seq, oldest first. */
  async after(sdkAppId: number, conversationId: string, afterSeq: number, limit: number): Promise<C2cMessageDoc[]> {
    return this.messages
      .find({ _id: { $gt: messageId(sdkAppId, conversationId, afterSeq), $lte: messageId(sdkAppId, conversationId, 999_999_999_999) } })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<C2cMessageDoc[]>()
      .exec();
  }

  /** Messages with seq < beforeSeq, newest first. */
  async before(sdkAppId: number, conversationId: string, beforeSeq: number, limit: number): Promise<C2cMessageDoc[]> {
    return this.messages
      .find({ _id: { $gte: messageId(sdkAppId, conversationId, 0), $lt: messageId(sdkAppId, conversationId, beforeSeq) } })
      .sort({ _id: -1 })
      .limit(limit)
      .lean<C2cMessageDoc[]>()
      .exec();
  }
}
