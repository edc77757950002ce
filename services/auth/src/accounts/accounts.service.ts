import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId } from '@meridian/contracts';
import { EventBus } from '@meridian/platform';
import { AppsService } from '../apps/apps.service';
import { SessionsService } from '../sessions/sessions.service';
import { StatsAggregator } from '../stats/stats.aggregator';
import { UserSigService } from '../usersig/usersig.service';
import { NO_SPEAKING_FOREVER } from './account.schema';
import { AccountsRepository } from './accounts.repository';

export interface AccountInput {
  userId: string;
  nick?: string;
  faceUrl?: string;
}

export interface AccountResult {
  userId: string;
  resultCode: number;
  resultInfo: string;
  status?: 'Imported' | 'NotImported';
  c2cMutedUntil?: number;
  groupMutedUntil?: number;
}

/** Batch limits from Tencent's documentation (multiaccount_import, account_check, account_delete). */
export const ACCOUNT_BATCH_MAX = 100;
const NICK_MAX_BYTES = 500;
const FACE_URL_MAX_BYTES = 500;

@Injectable()
export class AccountsService {
  constructor(
    @Inject(AccountsRepository) private readonly repo: AccountsRepository,
    @Inject(AppsService) private readonly apps: AppsService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(StatsAggregator) private readonly stats: StatsAggregator,
    @Inject(UserSigService) private readonly usersig: UserSigService,
  ) {}

  /**
   * Imports accounts (idempotent). Every entry is validated before anything is written, so a
   * request with one bad entry changes nothing; the returned list names entries that failed to store.
   */
  async import(sdkAppId: number, accounts: AccountInput[]): Promise<string[]> {
    await this.apps.requireActive(sdkAppId);
    checkBatch(accounts.length);
    for (const a of accounts) {
      if (!isValidUserId(a.userId)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid UserID ${JSON.stringify(a.userId)}`);
      if (a.nick !== undefined && Buffer.byteLength(a.nick) > NICK_MAX_BYTES) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Nick too long');
      if (a.faceUrl !== undefined && Buffer.byteLength(a.faceUrl) > FACE_URL_MAX_BYTES) {
        throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'FaceUrl too long');
      }
    }
    const failed: string[] = [];
    let created = 0;
    for (const a of accounts) {
      try {
        if (await this.repo.upsert(sdkAppId, a.userId, { nick: a.nick, faceUrl: a.faceUrl })) created++;
      } catch {
        failed.push(a.userId);
      }
    }
    if (created) await this.stats.accountsChanged(sdkAppId, created, 0);
    return failed;
  }

  async check(sdkAppId: number, userIds: string[]): Promise<AccountResult[]> {
    await this.apps.requireActive(sdkAppId);
    checkBatch(userIds.length);
    validateIds(userIds);
    const found = await this.repo.mutes(sdkAppId, userIds);
    return userIds.map((userId) => ({
      userId,
      resultCode: 0,
      resultInfo: '',
      status: found.has(userId) ? 'Imported' : 'NotImported',
      c2cMutedUntil: found.get(userId)?.c2cMutedUntil ?? 0,
      groupMutedUntil: found.get(userId)?.groupMutedUntil ?? 0,
    }));
  }

  /**
   * App-wide mute (v4/openconfigsvr/setnospeaking): seconds from now per kind, 0 unmutes,
   * 4294967295 mutes for ever; a kind left undefined is unchanged.
   */
  async setNoSpeaking(sdkAppId: number, userId: string, c2cSeconds?: number, groupSeconds?: number): Promise<void> {
    await this.apps.requireActive(sdkAppId);
    validateIds([userId]);
    if (c2cSeconds === undefined && groupSeconds === undefined) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'C2CmsgNospeakingTime or GroupmsgNospeakingTime is required');
    }
    const now = Math.floor(Date.now() / 1000);
    const until = (s: number) => (s === 0 ? 0 : s >= NO_SPEAKING_FOREVER ? NO_SPEAKING_FOREVER : now + s);
    const set: { c2cMutedUntil?: number; groupMutedUntil?: number } = {};
    if (c2cSeconds !== undefined) set.c2cMutedUntil = until(c2cSeconds);
    if (groupSeconds !== undefined) set.groupMutedUntil = until(groupSeconds);
    if (!(await this.repo.setMutes(sdkAppId, userId, set))) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `account ${userId} does not exist`);
    // Services caching accounts (chat's send checks) drop this one: the mute applies from their next send.
    await this.bus.publish(TOPICS.accountChanges, String(sdkAppId), { accountsChanged: { userIds: [userId], what: 'mute' } }, { sdkAppId });
  }

  /** Remaining mute seconds per kind (0 = may speak; 4294967295 = for ever). */
  async getNoSpeaking(sdkAppId: number, userId: string): Promise<{ c2c: number; group: number }> {
    await this.apps.requireActive(sdkAppId);
    validateIds([userId]);
    const found = (await this.repo.mutes(sdkAppId, [userId])).get(userId);
    if (!found) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `account ${userId} does not exist`);
    const now = Math.floor(Date.now() / 1000);
    const left = (until: number) => (until >= NO_SPEAKING_FOREVER ? NO_SPEAKING_FOREVER : Math.max(0, until - now));
    return { c2c: left(found.c2cMutedUntil), group: left(found.groupMutedUntil) };
  }

  async page(sdkAppId: number, after: string, limit: number): Promise<string[]> {
    await this.apps.requireActive(sdkAppId);
    return this.repo.page(sdkAppId, after, Math.min(Math.max(limit, 1), 1000));
  }

  /**
   * Deletes accounts: their UserSigs issued until now are revoked first (so no session can come
   * back with them, and a re-import does not revive them), their sessions are kicked and owners
   * of per-user data are told by event.
   */
  async delete(sdkAppId: number, userIds: string[]): Promise<AccountResult[]> {
    await this.apps.requireActive(sdkAppId);
    checkBatch(userIds.length);
    validateIds(userIds);
    const found = await this.repo.existing(sdkAppId, userIds);
    const doomed = userIds.filter((u) => found.has(u));
    if (doomed.length) {
      for (const userId of doomed) await this.usersig.revokeIssuedUntilNow(sdkAppId, userId);
      await this.bus.publish(TOPICS.accountsDeleted, String(sdkAppId), { accountsDeleted: { userIds: doomed } }, { sdkAppId });
      for (const userId of doomed) await this.sessions.kickAll(sdkAppId, userId, 'AccountDeleted');
      const deleted = await this.repo.delete(sdkAppId, doomed);
      await this.stats.accountsChanged(sdkAppId, 0, deleted);
    }
    return userIds.map((userId) =>
      found.has(userId)
        ? { userId, resultCode: 0, resultInfo: '' }
        : { userId, resultCode: ErrorCode.ACCOUNT_NOT_FOUND, resultInfo: 'Err_TLS_PT_Open_Login_Account_Not_Exist' },
    );
  }
}

function checkBatch(n: number): void {
  if (n < 1 || n > ACCOUNT_BATCH_MAX) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `1-${ACCOUNT_BATCH_MAX} accounts per request`);
}

function validateIds(userIds: string[]): void {
  const bad = userIds.find((u) => !isValidUserId(u));
  if (bad !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid UserID ${JSON.stringify(bad)}`);
}
