import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { ChatKeys } from '../chat.keys';

export interface SendResult {
  msgSeq: number;
  msgTime: number;
  msgKey: string;
  conversationId: string;
  /** Stored, but its events were not all produced yet: a retry produces them (no second copy). */
  unpublished?: boolean;
}

const PENDING = 'pending';
/** A claim whose send died (process killed) frees itself this soon, not after the whole window. */
const PENDING_TTL_S = 30;

/** Remembers the first result of each (sender, recipient, random) for the dedupe window. */
@Injectable()
export class DedupeRepository {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  /** Claims the (sender, random); returns the earlier result, PENDING, or undefined when claimed now. */
  async claim(sdkAppId: number, from: string, to: string, random: number, ttlSeconds: number): Promise<SendResult | 'pending' | undefined> {
    const key = ChatKeys.dedupe(sdkAppId, from, to, random);
    if ((await this.client.redis.set(key, PENDING, 'EX', Math.min(ttlSeconds, PENDING_TTL_S), 'NX')) === 'OK') return undefined;
    const v = await this.client.redis.get(key);
    if (!v || v === PENDING) return PENDING;
    return JSON.parse(v) as SendResult;
  }

  async complete(sdkAppId: number, from: string, to: string, random: number, result: SendResult, ttlSeconds: number): Promise<void> {
    await this.client.redis.set(ChatKeys.dedupe(sdkAppId, from, to, random), JSON.stringify(result), 'EX', ttlSeconds);
  }

  /** Frees the claim of a send that failed, so a retry can go through. */
  async release(sdkAppId: number, from: string, to: string, random: number): Promise<void> {
    await this.client.redis.del(ChatKeys.dedupe(sdkAppId, from, to, random));
  }
}
