import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthKeys } from '../auth.keys';

/** Counts failed UserSig verifications per identity in a fixed window (Redis INCR + EXPIRE). */
@Injectable()
export class FailureThrottle {
  constructor(
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async blocked(sdkAppId: number, identifier: string): Promise<boolean> {
    const count = Number((await this.redis.redis.get(AuthKeys.sigFailures(sdkAppId, identifier))) ?? 0);
    return count >= this.config.MERIDIAN_AUTH_FAILURE_LIMIT;
  }

  async recordFailure(sdkAppId: number, identifier: string): Promise<void> {
    const key = AuthKeys.sigFailures(sdkAppId, identifier);
    // The window starts at the first failure: NX keeps later failures from extending it.
    await this.redis.redis.multi().incr(key).expire(key, this.config.MERIDIAN_AUTH_FAILURE_WINDOW_S, 'NX').exec();
  }
}
