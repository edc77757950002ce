import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, UpdateQuery } from 'mongoose';
import { isDuplicateKey } from '@meridian/platform';
import { ConversationDoc, conversationKey } from './conversation.schema';

export interface ConversationRef {
  sdkAppId: number;
  owner: string;
  type: number;
  peer: string;
}

@Injectable()
export class ConversationsRepository {
  constructor(@InjectModel(ConversationDoc.name) private readonly conversations: Model<ConversationDoc>) {}

  async find(ref: ConversationRef): Promise<ConversationDoc | null> {
    return this.conversations.findById(conversationKey(ref.sdkAppId, ref.owner, ref.type, ref.peer)).lean<ConversationDoc>().exec();
  }

  /** Every conversation of one user (by owner: an index lookup on MongoDB and on FerretDB). */
  async listOf(sdkAppId: number, owner: string): Promise<ConversationDoc[]> {
    return this.conversations.find({ sdkAppId, owner }).lean<ConversationDoc[]>().exec();
  }

  /**
   * Applies an update, creating the document when missing. Two first writers race on the unique
   * _id; the loser retries as a plain update of the document the winner created.
   */
  async upsert(ref: ConversationRef, update: UpdateQuery<ConversationDoc>): Promise<void> {
    const _id = conversationKey(ref.sdkAppId, ref.owner, ref.type, ref.peer);
    const full = { ...update, $setOnInsert: { sdkAppId: ref.sdkAppId, owner: ref.owner, type: ref.type, peer: ref.peer } };
    try {
      await this.conversations.updateOne({ _id }, full, { upsert: true, setDefaultsOnInsert: false }).exec();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.conversations.updateOne({ _id }, update).exec();
    }
  }

  /**
   * Sets `set` (which carries `projectedSeq: seq`) unless the document already projected a message
   * at `seq` or later; creates it when missing. One conditional upsert — the filter holds the
   * `_id` (an index lookup on FerretDB too) — where a read then a write took two round trips.
   * A duplicate key means the document exists and did not match: either it is already at `seq` or
   * later (a replayed event), or another writer created it a moment ago; the fallback reads it to
   * tell which. Answers false when nothing changed.
   */
  async projectAt(ref: ConversationRef, seq: number, set: Partial<ConversationDoc>): Promise<boolean> {
    const _id = conversationKey(ref.sdkAppId, ref.owner, ref.type, ref.peer);
    const behind = [{ projectedSeq: { $lt: seq } }, { projectedSeq: { $exists: false } }];
    try {
      await this.conversations
        .updateOne({ _id, $or: behind }, { $set: set, $setOnInsert: { sdkAppId: ref.sdkAppId, owner: ref.owner, type: ref.type, peer: ref.peer } }, { upsert: true, setDefaultsOnInsert: false })
        .exec();
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const res = await this.conversations.updateOne({ _id, $or: behind }, { $set: set }).exec();
      return res.matchedCount > 0;
    }
  }

  /**
   * `projectAt` for several documents in one round trip: one ordered bulk write of the conditional
   * upserts. The usual case — no replay, every side behind — is one command. A duplicate key (a
   * document exists and did not match: a replay, or an entry ahead) stops the write there, and
   * FerretDB 1.24 does not report reliably which write failed (its error index was seen pointing
   * at an earlier, applied write), so then every document gets `projectAt` again, one by one:
   * each write is conditional on the seq, so those already applied change nothing.
   */
  async projectAllAt(items: { ref: ConversationRef; seq: number; set: Partial<ConversationDoc> }[]): Promise<void> {
    if (items.length <= 1) {
      for (const i of items) await this.projectAt(i.ref, i.seq, i.set);
      return;
    }
    const ops = items.map(({ ref, seq, set }) => ({
      updateOne: {
        filter: { _id: conversationKey(ref.sdkAppId, ref.owner, ref.type, ref.peer), $or: [{ projectedSeq: { $lt: seq } }, { projectedSeq: { $exists: false } }] },
        update: { $set: set, $setOnInsert: { sdkAppId: ref.sdkAppId, owner: ref.owner, type: ref.type, peer: ref.peer } },
        upsert: true,
        setDefaultsOnInsert: false,
      },
    }));
    try {
      await this.conversations.bulkWrite(ops, { ordered: true });
    } catch (err) {
      const failed = (err as { writeErrors?: { code?: number }[] }).writeErrors;
      if (!isDuplicateKey(err) && !failed?.some((e) => e.code === 11000)) throw err;
      await Promise.all(items.map((i) => this.projectAt(i.ref, i.seq, i.set)));
    }
  }

  /** Updates an existing document only; false when there is none. */
  async update(ref: ConversationRef, update: UpdateQuery<ConversationDoc>): Promise<boolean> {
    const res = await this.conversations.updateOne({ _id: conversationKey(ref.sdkAppId, ref.owner, ref.type, ref.peer) }, update).exec();
    return res.matchedCount > 0;
  }

  /** Removes conversations whose last message left storage (not pinned ones). */
  async purgeExpired(now: Date, limit: number): Promise<number> {
    const docs = await this.conversations
      .find({ lastExpiresAt: { $lt: now }, pinned: { $ne: true } }, { _id: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>()
      .exec();
    if (!docs.length) return 0;
    return (await this.conversations.deleteMany({ _id: { $in: docs.map((d) => d._id) }, lastExpiresAt: { $lt: now } }).exec()).deletedCount;
  }
}
