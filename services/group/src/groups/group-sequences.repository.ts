import { Inject, Injectable } from '@nestjs/common';
import { RedisClient, RedisSequence } from '@meridian/platform';
import { GroupKeys } from '../group.keys';

/** Group message sequence numbers in Redis (the stored messages hold the high-water mark). */
@Injectable()
export class GroupSequencesRepository {
  private readonly seq: RedisSequence;

  constructor(@Inject(RedisClient) private readonly redis: RedisClient) {
    this.seq = new RedisSequence(redis.redis);
  }

  next(sdkAppId: number, groupId: string, highWaterMark: () => Promise<number>): Promise<number> {
    return this.seq.next(GroupKeys.seq(sdkAppId, groupId), highWaterMark);
  }

  raise(sdkAppId: number, groupId: string, atLeast: number): Promise<void> {
    return this.seq.raise(GroupKeys.seq(sdkAppId, groupId), atLeast);
  }

  /** The last seq handed out, when Redis still holds the counter. */
  async current(sdkAppId: number, groupId: string): Promise<number | undefined> {
    const v = await this.redis.redis.get(GroupKeys.seq(sdkAppId, groupId));
    return v ? Number(v) : undefined;
  }

  /** The app's send_broadcast_msg seq (one counter for all its AVChatRooms). */
  nextBroadcast(sdkAppId: number): Promise<number> {
    return this.redis.redis.incr(GroupKeys.seq(sdkAppId, '@broadcast'));
  }
}
