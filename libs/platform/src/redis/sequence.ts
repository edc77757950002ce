import type Redis from 'ioredis';

/** INCR only when the counter exists; -1 tells the caller to rebuild it from storage first. */
const NEXT = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end return -1`;
const RAISE = `local v = tonumber(redis.call('GET', KEYS[1]) or '0') if v < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

/**
 * Gap-free increasing numbers per key (a conversation's or a group's message seq): Redis INCR,
 * atomic across every instance. A counter Redis has lost is rebuilt from the caller's durable
 * high-water mark before use, so numbers never repeat or go backwards; callers store under a
 * unique (key, seq) so a clash is detected, then `raise` and retry.
 */
export class RedisSequence {
  constructor(private readonly redis: Redis) {}

  async next(key: string, highWaterMark: () => Promise<number>): Promise<number> {
    const n = Number(await this.redis.eval(NEXT, 1, key));
    if (n > 0) return n;
    await this.raise(key, await highWaterMark());
    return this.redis.incr(key);
  }

  /** Raises the counter to at least `floor` (never lowers it). */
  async raise(key: string, floor: number): Promise<void> {
    await this.redis.eval(RAISE, 1, key, floor);
  }
}
