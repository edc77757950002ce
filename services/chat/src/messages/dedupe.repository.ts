import { Inject, Injectable } from '@nestjs/common';
import { DedupeClaims, RedisClient } from '@meridian/platform';
import { ChatKeys } from '../chat.keys';

export interface SendResult {
  msgSeq: number;
  msgTime: number;
  msgKey: string;
  conversationId: string;
  /** Stored, but its events were not all produced yet: a retry produces them (no second copy). */
  unpublished?: boolean;
}

/** Remembers the first result of each (sender, recipient, random) for the dedupe window. */
@Injectable()
export class DedupeRepository {
  private readonly claims: DedupeClaims<SendResult>;

  constructor(@Inject(RedisClient) client: RedisClient) {
    this.claims = new DedupeClaims(client.redis);
  }

  /** Claims the (sender, random); returns the earlier result, 'pending', or undefined when claimed now. */
  claim(sdkAppId: number, from: string, to: string, random: number, ttlSeconds: number): Promise<SendResult | 'pending' | undefined> {
    return this.claims.claim(ChatKeys.dedupe(sdkAppId, from, to, random), ttlSeconds);
  }

  complete(sdkAppId: number, from: string, to: string, random: number, result: SendResult, ttlSeconds: number): Promise<void> {
    return this.claims.complete(ChatKeys.dedupe(sdkAppId, from, to, random), result, ttlSeconds);
  }

  /** Frees the claim of a send that failed, so a retry can go through. */
  release(sdkAppId: number, from: string, to: string, random: number): Promise<void> {
    return this.claims.release(ChatKeys.dedupe(sdkAppId, from, to, random));
  }
}
