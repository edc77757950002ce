import { Inject, Injectable } from '@nestjs/common';
import { DedupeClaims, RedisClient } from '@meridian/platform';
import { GroupKeys } from '../group.keys';

type Answer = Record<string, unknown>;

/** send_group_msg's Redis state: at-most-once claims per (sender, Random) and per-second counts. */
@Injectable()
export class SendControlRepository {
  private readonly claims: DedupeClaims<Answer>;

  constructor(@Inject(RedisClient) private readonly redis: RedisClient) {
    this.claims = new DedupeClaims(redis.redis);
  }

  dedupeKey(sdkAppId: number, groupId: string, from: string, random: number): string {
    return GroupKeys.dedupe(sdkAppId, groupId, from, random);
  }

  claim(key: string, windowS: number): ReturnType<DedupeClaims<Answer>['claim']> {
    return this.claims.claim(key, windowS);
  }

  complete(key: string, answer: Answer, windowS: number): Promise<void> {
    return this.claims.complete(key, answer, windowS);
  }

  release(key: string): Promise<void> {
    return this.claims.release(key);
  }

  /** Counts one client message in the group's current second; answers the count so far. */
  async countInSecond(sdkAppId: number, groupId: string, second: number): Promise<number> {
    const key = GroupKeys.rate(sdkAppId, groupId, second);
    const n = await this.redis.redis.incr(key);
    if (n === 1) await this.redis.redis.expire(key, 2);
    return n;
  }
}
