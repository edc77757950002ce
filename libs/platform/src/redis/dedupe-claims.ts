import type Redis from 'ioredis';

const PENDING = 'pending';
/**
 * A claim whose send died (process killed) frees itself this soon, not after the whole window.
 * Short, since a send gives up at its deadline (3 s) before storing, and a retry that claims
 * after this finds a copy the dead attempt stored (the callers look in storage on a new claim).
 */
const PENDING_TTL_S = 10;

/**
 * At-most-once claims for retried sends (a sender's MsgRandom/Random): the first attempt claims
 * the key (SET NX, "pending"), stores its result when done, and every retry within the window
 * gets that result, or "pending" while the first attempt is still running. A claim whose
 * attempt died frees itself after 10 s; a failed attempt releases it. Atomic across instances.
 */
export class DedupeClaims<R> {
  constructor(private readonly redis: Redis) {}

  /** Claims `key`; returns the earlier result, 'pending', or undefined when claimed now. */
  async claim(key: string, ttlSeconds: number): Promise<R | 'pending' | undefined> {
    if ((await this.redis.set(key, PENDING, 'EX', Math.min(ttlSeconds, PENDING_TTL_S), 'NX')) === 'OK') return undefined;
    const v = await this.redis.get(key);
    if (!v || v === PENDING) return PENDING;
    return JSON.parse(v) as R;
  }

  async complete(key: string, result: R, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(result), 'EX', ttlSeconds);
  }

  /** Frees the claim of an attempt that failed, so a retry can go through. */
  async release(key: string): Promise<void> {
    await this.redis.del(key);
  }
}
