import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { GatewayKeys } from '../gateway.keys';

/**
 * Fixed one-second windows counted in the home region's Redis, so the limit holds for the app
 * across every gateway instance and region (all of an app's REST calls run in its home region).
 */
@Injectable()
export class RestRateLimiter {
  constructor(@Inject(RedisClient) private readonly client: RedisClient) {}

  /** Counts one call; returns the app-wide and per-command counts of the current second. */
  async hit(sdkAppId: number, command: string): Promise<{ app: number; command: number }> {
    const second = Math.floor(Date.now() / 1000);
    const k1 = GatewayKeys.restRate(sdkAppId, command, second);
    const k2 = GatewayKeys.restAppRate(sdkAppId, second);
    const res = await this.client.redis.multi().incr(k1).expire(k1, 2).incr(k2).expire(k2, 2).exec();
    return { command: Number(res?.[0]?.[1] ?? 0), app: Number(res?.[2]?.[1] ?? 0) };
  }
}
