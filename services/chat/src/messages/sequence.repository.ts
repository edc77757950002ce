import { Inject, Injectable } from '@nestjs/common';
import { RedisClient, RedisSequence } from '@meridian/platform';
import { ChatKeys } from '../chat.keys';

/**
 * Per-conversation sequence numbers (RedisSequence): rebuilt from the highest stored seq (or the
 * retention floor) when Redis has lost the counter; the storage's unique (conversation, seq) key
 * is the last line of defence (a clash makes the caller resynchronise and retry).
 */
@Injectable()
export class SequenceRepository {
  private readonly seq: RedisSequence;

  constructor(@Inject(RedisClient) client: RedisClient) {
    this.seq = new RedisSequence(client.redis);
  }

  next(sdkAppId: number, conversationId: string, highWaterMark: () => Promise<number>): Promise<number> {
    return this.seq.next(ChatKeys.seq(sdkAppId, conversationId), highWaterMark);
  }

  resync(sdkAppId: number, conversationId: string, floor: number): Promise<void> {
    return this.seq.raise(ChatKeys.seq(sdkAppId, conversationId), floor);
  }
}
