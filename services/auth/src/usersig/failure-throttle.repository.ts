import { Inject, Injectable } from '@nestjs/common';
import { RedisClient } from '@meridian/platform';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AuthKeys } from '../auth.keys';

export interface FailureCounts {
  /** Failures caused by the request's source in the current window. */
  source: number;
  /** Failures of the identity, from any source, in the current window. */
  identity: number;
}

/**
 * Counts failed UserSig checks in fixed windows (Redis INCR + EXPIRE NX), per source address and
 * per identity. It only counts: what the counts mean is UserSigService's business.
 */
@Injectable()
export class FailureThrottle {
  constructor(
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  async counts(sdkAppId: number, identifier: string, source: string): Promise<FailureCounts> {
    const [s, i] = await this.redis.redis.mget(AuthKeys.sourceFailures(source), AuthKeys.identityFailures(sdkAppId, identifier));
    return { source: Number(s ?? 0), identity: Number(i ?? 0) };
  }

  async recordFailure(sdkAppId: number, identifier: string, source: string): Promise<void> {
    const window = this.config.MERIDIAN_AUTH_FAILURE_WINDOW_S;
    const src = AuthKeys.sourceFailures(source);
    const id = AuthKeys.identityFailures(sdkAppId, identifier);
    // A window starts at its first failure: NX keeps later failures from extending it, so a
    // flooding source is let back in one window after it started, not after it stops.
    await this.redis.redis.multi().incr(src).expire(src, window, 'NX').incr(id).expire(id, window, 'NX').exec();
  }
}
