import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RedisClient } from '@meridian/platform';
import { Inject } from '@nestjs/common';
import { PushKeys } from '../push.keys';
import { BroadcastDoc } from './broadcast.schema';

@Injectable()
export class BroadcastRepository {
  constructor(
    @InjectModel(BroadcastDoc.name) private readonly tasks: Model<BroadcastDoc>,
    @Inject(RedisClient) private readonly redis: RedisClient,
  ) {}

  async create(task: BroadcastDoc): Promise<void> {
    await this.tasks.create(task);
  }

  async find(taskId: string): Promise<BroadcastDoc | null> {
    return this.tasks.findById(taskId).lean<BroadcastDoc>().exec();
  }

  async progress(taskId: string, set: Partial<BroadcastDoc>): Promise<void> {
    await this.tasks.updateOne({ _id: taskId }, { $set: { ...set, updatedAt: new Date() } }).exec();
  }

  /** False when the app started a broadcast less than a second ago. */
  async claimGap(sdkAppId: number): Promise<boolean> {
    return (await this.redis.redis.set(PushKeys.broadcastGap(sdkAppId), '1', 'PX', 1000, 'NX')) === 'OK';
  }

  /** Counts one broadcast against today's quota; returns today's count. */
  async countToday(sdkAppId: number): Promise<number> {
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const key = PushKeys.broadcastDay(sdkAppId, day);
    const res = await this.redis.redis.multi().incr(key).expire(key, 2 * 86_400).exec();
    return Number(res?.[0]?.[1] ?? 0);
  }
}
