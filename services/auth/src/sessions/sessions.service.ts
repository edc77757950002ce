import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isPlatform, isValidUserId, type Platform } from '@meridian/contracts';
import { EventBus } from '@meridian/platform';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { AccountsRepository } from '../accounts/accounts.repository';
import { UserSigService } from '../usersig/usersig.service';
import { StatsAggregator } from '../stats/stats.aggregator';
import { sessionsToKick } from './multi-device.policy';
import { SessionsRepository, type SessionRecord } from './sessions.repository';

export interface LoginInput {
  sdkAppId: number;
  userId: string;
  userSig: string;
  platform: string;
  gatewayRegion: string;
  gatewayInstance: string;
  connectionId: string;
  gatewayAddress: string;
  /** A reconnecting client's previous session, replaced without a kick. */
  replaceLoginId?: string;
  /** The client's address as its gateway saw it ('' when unknown): budgets failed UserSig checks. */
  clientIp: string;
}

export interface SessionRef {
  sdkAppId: number;
  userId: string;
  loginId: string;
}

export type KickReason = 'OtherDeviceLogin' | 'AdminKick' | 'AccountDeleted' | 'AppDeleted';
export type LogoutReason = 'Logout' | 'Disconnect' | 'TimeOut';

export interface OnlineStatus {
  userId: string;
  state: 'Online' | 'Offline';
  detail: { platform: string; status: string }[];
}

/**
 * Login sessions: UserSig check, automatic registration on first login (as Tencent's SDK path
 * does), the app's multi-device policy, and the typed events other services react to.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    @Inject(SessionsRepository) private readonly repo: SessionsRepository,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(UserSigService) private readonly usersig: UserSigService,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(StatsAggregator) private readonly stats: StatsAggregator,
  ) {}

  async login(input: LoginInput): Promise<{ session: SessionRecord; kicked: SessionRecord[] }> {
    if (!isPlatform(input.platform)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `unknown platform ${input.platform}`);
    const platform: Platform = input.platform;
    // Verified (revocations included) before the account is ensured: a deleted account's old
    // UserSig must not register it again.
    const { app } = await this.usersig.verify(input.sdkAppId, input.userId, input.userSig, { clientIp: input.clientIp });
    const { created } = await this.accounts.ensure(input.sdkAppId, input.userId);
    if (created) await this.stats.accountsChanged(input.sdkAppId, 1, 0);
    const now = Date.now();
    const session: SessionRecord = {
      loginId: randomUUID(),
      userId: input.userId,
      platform,
      gatewayRegion: input.gatewayRegion,
      gatewayInstance: input.gatewayInstance,
      connectionId: input.connectionId,
      gatewayAddress: input.gatewayAddress,
      clientIp: input.clientIp,
      loginAtMs: now,
      expiresAtMs: now + this.config.MERIDIAN_AUTH_SESSION_TTL_S * 1000,
    };
    const { kicked, remaining } = await this.repo.withUserLock(input.sdkAppId, input.userId, async () => {
      const live = await this.live(input.sdkAppId, input.userId);
      const replaced = live.filter((s) => s.loginId === input.replaceLoginId);
      const others = live.filter((s) => s.loginId !== input.replaceLoginId);
      const displaced = sessionsToKick(others, platform, {
        policy: app.multiDevicePolicy,
        maxPerPlatform: app.maxPerPlatform,
        maxWeb: app.maxWeb,
      });
      await this.repo.replace(
        input.sdkAppId,
        input.userId,
        session,
        [...replaced, ...displaced].map((s) => s.loginId),
        this.config.MERIDIAN_AUTH_SESSION_TTL_S,
      );
      return { kicked: displaced, remaining: others.length - displaced.length + 1 };
    });
    for (const k of kicked) await this.publishKick(input.sdkAppId, k, 'OtherDeviceLogin');
    await this.publishState(input.sdkAppId, session, 'Login', '', remaining);
    return { session, kicked };
  }

  async logout(sdkAppId: number, userId: string, loginId: string, reason: LogoutReason): Promise<boolean> {
    const sessions = await this.live(sdkAppId, userId);
    const session = sessions.find((s) => s.loginId === loginId);
    if (!session) return false;
    const removed = (await this.repo.remove(sdkAppId, userId, [loginId])) > 0;
    if (removed) await this.publishState(sdkAppId, session, reason, reason, sessions.length - 1);
    return removed;
  }

  /**
   * Ends every session of the user; with AdminKick, UserSigs issued until now stop working too
   * (account deletion revokes them itself, before it kicks).
   */
  async kickAll(sdkAppId: number, userId: string, reason: KickReason): Promise<SessionRecord[]> {
    if (!isValidUserId(userId)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'invalid UserID');
    if (reason === 'AdminKick') {
      if (!(await this.accounts.find(sdkAppId, userId))) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND);
      await this.usersig.revokeIssuedUntilNow(sdkAppId, userId);
    }
    const sessions = await this.repo.withUserLock(sdkAppId, userId, async () => {
      const all = await this.live(sdkAppId, userId);
      await this.repo.remove(
        sdkAppId,
        userId,
        all.map((s) => s.loginId),
      );
      return all;
    });
    for (const s of sessions) {
      await this.publishKick(sdkAppId, s, reason);
      await this.publishState(sdkAppId, s, 'Kicked', reason, 0);
    }
    this.logger.log({ sdkAppId, sessions: sessions.length, reason }, 'user kicked');
    return sessions;
  }

  async onlineStatus(sdkAppId: number, userIds: string[]): Promise<{ results: OnlineStatus[]; notFound: string[] }> {
    const bad = userIds.find((u) => !isValidUserId(u));
    if (bad !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid UserID ${JSON.stringify(bad)}`);
    const existing = await this.accounts.existing(sdkAppId, userIds);
    const results: OnlineStatus[] = [];
    for (const userId of userIds.filter((u) => existing.has(u))) {
      const sessions = await this.live(sdkAppId, userId);
      results.push({
        userId,
        state: sessions.length ? 'Online' : 'Offline',
        detail: sessions.map((s) => ({ platform: s.platform, status: 'Online' })),
      });
    }
    return { results, notFound: userIds.filter((u) => !existing.has(u)) };
  }

  /** The live sessions of some users (push routing). */
  async sessionsOf(sdkAppId: number, userIds: string[]): Promise<SessionRecord[]> {
    const all = await Promise.all(userIds.map((u) => this.live(sdkAppId, u)));
    return all.flat();
  }

  /** Extends sessions a gateway still holds; returns the ids that no longer exist. */
  async touch(refs: SessionRef[]): Promise<string[]> {
    const byUser = new Map<string, SessionRef[]>();
    for (const r of refs) {
      const k = `${r.sdkAppId}\u0000${r.userId}`;
      byUser.set(k, [...(byUser.get(k) ?? []), r]);
    }
    const expiresAt = Date.now() + this.config.MERIDIAN_AUTH_SESSION_TTL_S * 1000;
    const gone = await Promise.all(
      [...byUser.values()].map((group) =>
        this.repo.touch(
          group[0]!.sdkAppId,
          group[0]!.userId,
          group.map((g) => g.loginId),
          expiresAt,
          this.config.MERIDIAN_AUTH_SESSION_TTL_S,
        ),
      ),
    );
    return gone.flat();
  }

  /**
   * A user's sessions that have not expired. Expired ones (their gateway stopped touching them:
   * it died, or lost the client without telling us) are removed here and reported as TimeOut.
   */
  private async live(sdkAppId: number, userId: string): Promise<SessionRecord[]> {
    const all = await this.repo.list(sdkAppId, userId);
    const now = Date.now();
    const expired = all.filter((s) => s.expiresAtMs <= now);
    if (!expired.length) return all;
    const removed = await this.repo.remove(
      sdkAppId,
      userId,
      expired.map((s) => s.loginId),
    );
    const alive = all.length - expired.length;
    // Only the caller that actually removed them reports them (several may race here).
    if (removed > 0) for (const s of expired) await this.publishState(sdkAppId, s, 'TimeOut', 'TimeOut', alive);
    return all.filter((s) => s.expiresAtMs > now);
  }

  private async publishKick(sdkAppId: number, s: SessionRecord, reason: KickReason): Promise<void> {
    await this.bus.publish(
      TOPICS.sessionKicked,
      `${sdkAppId}:${s.userId}`,
      {
        sessionKicked: {
          userId: s.userId,
          loginId: s.loginId,
          platform: s.platform,
          gatewayRegion: s.gatewayRegion,
          gatewayInstance: s.gatewayInstance,
          connectionId: s.connectionId,
          reason,
          gatewayAddress: s.gatewayAddress,
        },
      },
      { sdkAppId },
    );
  }

  private async publishState(sdkAppId: number, s: SessionRecord, action: string, reason: string, onlineSessions: number): Promise<void> {
    await this.bus.publish(
      TOPICS.userState,
      `${sdkAppId}:${s.userId}`,
      {
        userStateChanged: {
          userId: s.userId,
          action,
          reason,
          platform: s.platform,
          loginId: s.loginId,
          gatewayRegion: s.gatewayRegion,
          gatewayInstance: s.gatewayInstance,
          onlineSessions,
          clientIp: s.clientIp ?? '',
        },
      },
      { sdkAppId },
    );
  }
}
