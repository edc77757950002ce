import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { DeadLetterDoc, RetryDoc, deadLetterId, dueBound, retryId } from './retry.schema';

export type RetryInput = Omit<RetryDoc, '_id'>;

const isDuplicate = (err: unknown) => (err as { code?: number }).code === 11000;

/** The durable retry queue and the dead letters (MongoDB / FerretDB). */
@Injectable()
export class RetryRepository {
  constructor(
    @InjectModel(RetryDoc.name) private readonly retries: Model<RetryDoc>,
    @InjectModel(DeadLetterDoc.name) private readonly dead: Model<DeadLetterDoc>,
  ) {}

  /** Queues an attempt at `dueMs`; resolves once stored (acknowledged by the server). */
  async schedule(input: RetryInput, dueMs: number): Promise<string> {
    const _id = retryId(dueMs, input.callbackId);
    try {
      await this.retries.create({ _id, ...input });
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
    return _id;
  }

  /** Due retries, earliest first. */
  async due(nowMs: number, limit: number): Promise<RetryDoc[]> {
    return this.retries.find({ _id: { $lt: dueBound(nowMs) } }).sort({ _id: 1 }).limit(limit).lean<RetryDoc[]>().exec();
  }

  async remove(id: string): Promise<void> {
    await this.retries.deleteOne({ _id: id }).exec();
  }

  async bury(input: RetryInput, deadAtMs: number): Promise<void> {
    try {
      await this.dead.create({ _id: deadLetterId(input.sdkAppId, input.callbackId), ...input, deadAtMs });
    } catch (err) {
      if (!isDuplicate(err)) throw err;
    }
  }

  /** One app's dead letters, oldest id first. */
  async deadLetters(sdkAppId: number, limit: number): Promise<DeadLetterDoc[]> {
    const q = this.dead.find({ _id: { $gt: `${sdkAppId}:`, $lt: `${sdkAppId};` } }).sort({ _id: 1 });
    return (limit ? q.limit(limit) : q).lean<DeadLetterDoc[]>().exec();
  }

  async removeDeadLetter(id: string): Promise<void> {
    await this.dead.deleteOne({ _id: id }).exec();
  }
}
