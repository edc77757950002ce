import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { UserSigError, VerifiedSigCache, genUserSig, verifyUserSig, type UserSigClaims } from '@meridian/usersig';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AppsService } from '../apps/apps.service';
import type { AppRecord } from '../apps/apps.repository';
import { FailureThrottle } from './failure-throttle.repository';

export interface Verified {
  app: AppRecord;
  claims: UserSigClaims;
  isAdmin: boolean;
}

/**
 * UserSig verification for the app's home region: Tencent's codes for every failure, a cache of
 * verified signatures (keyed by the exact string and the app's key version, so a key rotation
 * invalidates it), and a throttle that answers 70050 after repeated failures of one identity.
 */
@Injectable()
export class UserSigService {
  private readonly cache: VerifiedSigCache;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(AppsService) private readonly apps: AppsService,
    @Inject(FailureThrottle) private readonly throttle: FailureThrottle,
  ) {
    this.cache = new VerifiedSigCache({ maxEntries: config.MERIDIAN_AUTH_SIG_CACHE_MAX, ttlMs: config.MERIDIAN_AUTH_SIG_CACHE_TTL_MS });
  }

  async verify(sdkAppId: number, identifier: string, userSig: string, admin?: { required: boolean; code: number }): Promise<Verified> {
    if (!isValidUserId(identifier)) throw new MeridianError(ErrorCode.USERSIG_IDENTIFIER_MISMATCH, 'identifier is not a valid UserID');
    const app = await this.apps.requireActive(sdkAppId);
    if (await this.throttle.blocked(sdkAppId, identifier)) throw new MeridianError(ErrorCode.USERSIG_TOO_MANY_FAILURES);
    const cacheKey = `${sdkAppId}:${app.keyVersion}:${app.ecdsaPublicKey.length}:${identifier}:${userSig}`;
    let claims = this.cache.get(cacheKey);
    if (!claims) {
      try {
        claims = verifyUserSig(userSig, { sdkAppId, identifier }, { hmacKey: app.secretKey, ecdsaPublicKeyPem: app.ecdsaPublicKey || undefined });
      } catch (err) {
        if (err instanceof UserSigError) {
          await this.throttle.recordFailure(sdkAppId, identifier);
          throw new MeridianError(err.code, err.message);
        }
        throw err;
      }
      this.cache.set(cacheKey, claims);
    }
    const isAdmin = app.admins.includes(identifier);
    if (admin?.required && !isAdmin) throw new MeridianError(admin.code || ErrorCode.REQUIRES_ADMIN);
    return { app, claims, isAdmin };
  }

  async generate(sdkAppId: number, identifier: string, expireSeconds: number): Promise<{ userSig: string; expiresAt: number }> {
    if (!isValidUserId(identifier)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'identifier is not a valid UserID');
    const app = await this.apps.requireActive(sdkAppId);
    const expire = expireSeconds || this.config.MERIDIAN_AUTH_DEFAULT_SIG_EXPIRE_S;
    const now = Math.floor(Date.now() / 1000);
    return { userSig: genUserSig({ sdkAppId, key: app.secretKey, identifier, expireSeconds: expire, now }), expiresAt: now + expire };
  }
}
