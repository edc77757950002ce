import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { Metrics } from '@meridian/platform';
import { UserSigError, UserSigErrorCodes, VerifiedSigCache, genUserSig, verifyUserSig, type UserSigClaims } from '@meridian/usersig';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AppsService } from '../apps/apps.service';
import type { AppRecord } from '../apps/apps.repository';
import { failureSource } from './failure-source';
import { FailureThrottle } from './failure-throttle.repository';
import { RevocationsRepository } from './revocations.repository';

export interface Verified {
  app: AppRecord;
  claims: UserSigClaims;
  isAdmin: boolean;
}

export interface VerifyOptions {
  /** The caller's address as its gateway saw it ('' when unknown). */
  clientIp: string;
  /** Fail with `code` (default 60010) unless the identifier is one of the app's admins. */
  admin?: { required: boolean; code: number };
}

/**
 * Longest UserSig still checked for a source that has spent its failure budget. A v2 sig is about
 * 200 characters (300 with a userbuf); the general cap (4096, inflating to at most 8 KiB) is there
 * for odd but genuine sigs, whose decoding a flooding source does not get.
 */
const THROTTLED_SIG_MAX_CHARS = 1024;

/**
 * The one UserSig check of the platform (REST through VerifyUserSig, WebSocket through Login),
 * run in the app's home region. A UserSig is accepted when its signature holds, it has not
 * expired and it was issued after the identity's last kick or deletion.
 *
 * Cost control (failed checks are what an attacker can make us pay for):
 * - a verified signature is cached (exact string + app key version, so a key rotation misses);
 *   a hit costs no decoding or crypto, and the revocation watermark is still read on every hit,
 *   so a kick needs no cache invalidation on any instance;
 * - failed checks are counted per source address (IPv6 per /64) and per identity. A source past
 *   its budget gets 70050 for its failures and only cheap checks for its new sigs: a cache hit or
 *   a short HMAC (v2) sig is still verified and accepted, ECDSA and long sigs are refused unchecked.
 * - the identity count never refuses anything: past it, failures of that identity are answered
 *   after a delay, which slows a distributed guesser and costs a timer. A valid sig is never
 *   delayed or refused because others sent bad ones.
 */
@Injectable()
export class UserSigService {
  private readonly cache: VerifiedSigCache;
  private readonly failures: Counter<'outcome'>;

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(AppsService) private readonly apps: AppsService,
    @Inject(FailureThrottle) private readonly throttle: FailureThrottle,
    @Inject(RevocationsRepository) private readonly revocations: RevocationsRepository,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.cache = new VerifiedSigCache({ maxEntries: config.MERIDIAN_AUTH_SIG_CACHE_MAX, ttlMs: config.MERIDIAN_AUTH_SIG_CACHE_TTL_MS });
    this.failures = new Counter({
      name: 'meridian_auth_usersig_failures_total',
      help: 'Failed UserSig checks: answered with their own code, or throttled (70050, source over its budget)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  async verify(sdkAppId: number, identifier: string, userSig: string, opts: VerifyOptions): Promise<Verified> {
    if (!isValidUserId(identifier)) throw new MeridianError(ErrorCode.USERSIG_IDENTIFIER_MISMATCH, 'identifier is not a valid UserID');
    const app = await this.apps.requireActive(sdkAppId);
    const cacheKey = `${sdkAppId}:${app.keyVersion}:${app.ecdsaPublicKey.length}:${identifier}:${userSig}`;
    const claims = this.cache.get(cacheKey) ?? (await this.check(sdkAppId, app, identifier, userSig, failureSource(opts.clientIp), cacheKey));
    // After the signature, like expiry: only a genuine sig's TLS.time means anything. "At or
    // before": a sig made in the second of the kick may predate it.
    if (claims.issuedAt <= (await this.revocations.revokedAt(sdkAppId, identifier))) {
      throw new MeridianError(ErrorCode.USERSIG_EXPIRED, 'UserSig was revoked (account kicked or deleted since it was issued); generate a new one');
    }
    const isAdmin = app.admins.includes(identifier);
    if (opts.admin?.required && !isAdmin) throw new MeridianError(opts.admin.code || ErrorCode.REQUIRES_ADMIN);
    return { app, claims, isAdmin };
  }

  /** Refuses the identity's UserSigs issued at or before now (kick, account deletion). */
  async revokeIssuedUntilNow(sdkAppId: number, identifier: string): Promise<void> {
    await this.revocations.revoke(sdkAppId, identifier, Math.floor(Date.now() / 1000));
  }

  async generate(sdkAppId: number, identifier: string, expireSeconds: number): Promise<{ userSig: string; expiresAt: number }> {
    if (!isValidUserId(identifier)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'identifier is not a valid UserID');
    const app = await this.apps.requireActive(sdkAppId);
    const expire = expireSeconds || this.config.MERIDIAN_AUTH_DEFAULT_SIG_EXPIRE_S;
    const now = Math.floor(Date.now() / 1000);
    return { userSig: genUserSig({ sdkAppId, key: app.secretKey, identifier, expireSeconds: expire, now }), expiresAt: now + expire };
  }

  /** The full check of a sig not in the cache, within the source's failure budget. */
  private async check(sdkAppId: number, app: AppRecord, identifier: string, userSig: string, source: string, cacheKey: string): Promise<UserSigClaims> {
    const counts = await this.throttle.counts(sdkAppId, identifier, source);
    const overBudget = counts.source >= this.config.MERIDIAN_AUTH_SOURCE_FAILURE_LIMIT;
    let claims: UserSigClaims;
    try {
      if (overBudget && userSig.length > THROTTLED_SIG_MAX_CHARS) throw new UserSigError(UserSigErrorCodes.UNDECODABLE, 'UserSig too long for a throttled source');
      // Without its public key a v1 sig fails at 70016 before any ECDSA work: what we want here.
      const ecdsaPublicKeyPem = overBudget ? undefined : app.ecdsaPublicKey || undefined;
      claims = verifyUserSig(userSig, { sdkAppId: sdkAppId, identifier }, { hmacKey: app.secretKey, ecdsaPublicKeyPem });
    } catch (err) {
      if (!(err instanceof UserSigError)) throw err;
      await this.throttle.recordFailure(sdkAppId, identifier, source);
      this.failures.inc({ outcome: overBudget ? 'throttled' : 'refused' });
      if (overBudget) throw new MeridianError(ErrorCode.USERSIG_TOO_MANY_FAILURES);
      if (counts.identity >= this.config.MERIDIAN_AUTH_IDENTITY_FAILURE_LIMIT) await sleep(this.config.MERIDIAN_AUTH_FAILURE_DELAY_MS);
      throw new MeridianError(err.code, err.message);
    }
    this.cache.set(cacheKey, claims);
    return claims;
  }
}
