import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { ChatKeys } from '../chat.keys';

/** INCR only when the counter exists; -1 tells the caller to rebuild it from storage first. */
const NEXT = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end return -1`;

/**
 * Per-conversation sequence numbers: Redis INCR, atomic across every chat instance. When Redis
 * has lost the counter (or never had it), it is rebuilt from the highest stored seq before use,
 * so numbers never repeat or go backwards; the storage's unique (conversation, seq) key is the
 * last line of defence (a clash makes the caller resynchronise and retry).
 */
@Injectable()
export class SequenceRepository {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  async next(sdkAppId: number, conversationId: string, highWaterMark: () => Promise<number>): Promise<number> {
    const key = ChatKeys.seq(sdkAppId, conversationId);
    const n = Number(await this.client.redis.eval(NEXT, 1, key));
    if (n > 0) return n;
    await this.resync(sdkAppId, conversationId, await highWaterMark());
    return this.client.redis.incr(key);
  }

  /** Raises the counter to at least `floor` (never lowers it). */
  async resync(sdkAppId: number, conversationId: string, floor: number): Promise<void> {
    const key = ChatKeys.seq(sdkAppId, conversationId);
    await this.client.redis.eval(
      `local v = tonumber(redis.call('GET', KEYS[1]) or '0') if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1`,
      1,
      key,
      floor,
    );
  }
}
