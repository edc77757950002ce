import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId } from '@meridian/contracts';
import { EventBus, GrpcClients, existingAccounts } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { FriendsService } from '../friends/friends.service';
import { BlacklistRepository } from './blacklist.repository';

/** Tencent: at most 1000 accounts in one blacklist (30013), and per call. */
export const BLACKLIST_MAX = 1000;
export const BLACKLIST_BATCH_MAX = 1000;

export interface ResultItem {
  toAccount: string;
  resultCode: number;
  resultInfo: string;
}

export const CHECK_TYPES = ['BlackCheckResult_Type_Single', 'BlackCheckResult_Type_Both'] as const;

/**
 * Per-user blacklists. Adding B to A's list stops B's client messages to A (chat asks
 * CheckSendAllowed, 20007), ends their friendship and refuses friend requests either way (Tencent).
 */
@Injectable()
export class BlacklistService {
  constructor(
    @Inject(BlacklistRepository) private readonly repo: BlacklistRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(FriendsService) private readonly friends: FriendsService,
  ) {}

  async add(sdkAppId: number, owner: string, targets: string[], origin?: originEventsV1.Origin): Promise<ResultItem[]> {
    const { valid, results } = await this.prepare(sdkAppId, owner, targets);
    const room = BLACKLIST_MAX - (await this.repo.list(sdkAppId, owner, BLACKLIST_MAX + 1)).length;
    const added: string[] = [];
    const now = Math.floor(Date.now() / 1000);
    for (const target of valid) {
      if (target === owner) results.set(target, fail(ErrorCode.SNS_INVALID_PARAMETER, 'Err_SNS_BlackListAdd_Self'));
      else if (added.length >= room) results.set(target, fail(ErrorCode.SNS_BLACKLIST_LIMIT, 'Err_SNS_BlackListAdd_Limit'));
      else if (await this.repo.add(sdkAppId, owner, target, now)) added.push(target);
      else results.set(target, fail(ErrorCode.SNS_INVALID_PARAMETER, 'Err_SNS_BlackListAdd_Already_Exist'));
    }
    if (added.length) {
      // Tencent: blacklisting ends the friendship (both ways) and any pending request.
      for (const target of added) await this.friends.sever(sdkAppId, owner, target);
      await this.changed(sdkAppId, owner, added, true, origin);
    }
    return itemsOf(targets, results);
  }

  async delete(sdkAppId: number, owner: string, targets: string[], origin?: originEventsV1.Origin): Promise<ResultItem[]> {
    const { valid, results } = await this.prepare(sdkAppId, owner, targets, false);
    const removed: string[] = [];
    for (const target of valid) {
      if (await this.repo.remove(sdkAppId, owner, target)) removed.push(target);
      else results.set(target, fail(ErrorCode.SNS_INVALID_PARAMETER, 'Err_SNS_BlackListDelete_Not_Exist'));
    }
    if (removed.length) await this.changed(sdkAppId, owner, removed, false, origin);
    return itemsOf(targets, results);
  }

  async get(sdkAppId: number, owner: string, startIndex: number, maxLimited: number): Promise<{ entries: { toAccount: string; addedAt: number }[]; nextStartIndex: number; sequence: number }> {
    requireAccount(owner);
    if (!Number.isInteger(startIndex) || startIndex < 0) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'StartIndex must be a non-negative integer');
    const size = Math.min(Math.max(maxLimited || 100, 1), BLACKLIST_MAX);
    const all = await this.repo.list(sdkAppId, owner, BLACKLIST_MAX);
    const page = all.slice(startIndex, startIndex + size);
    const next = startIndex + page.length;
    return {
      entries: page.map((e) => ({ toAccount: e.target, addedAt: e.addedAt })),
      nextStartIndex: next < all.length ? next : 0,
      sequence: await this.repo.version(sdkAppId, owner),
    };
  }

  async check(sdkAppId: number, owner: string, targets: string[], checkType: string): Promise<{ toAccount: string; relation: string; resultCode: number; resultInfo: string }[]> {
    if (!(CHECK_TYPES as readonly string[]).includes(checkType)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `CheckType is ${CHECK_TYPES.join(' or ')}`);
    const { valid, results } = await this.prepare(sdkAppId, owner, targets, false);
    const both = checkType === 'BlackCheckResult_Type_Both';
    const relations = new Map<string, string>();
    await Promise.all(
      valid.map(async (target) => {
        const [aWithB, bWithA] = await Promise.all([this.repo.has(sdkAppId, owner, target), both ? this.repo.has(sdkAppId, target, owner) : Promise.resolve(false)]);
        relations.set(target, aWithB && bWithA ? 'BlackCheckResult_Type_BothWay' : aWithB ? 'BlackCheckResult_Type_AWithB' : bWithA ? 'BlackCheckResult_Type_BWithA' : 'BlackCheckResult_Type_NO');
      }),
    );
    return itemsOf(targets, results).map((r) => ({ ...r, relation: relations.get(r.toAccount) ?? 'BlackCheckResult_Type_NO' }));
  }

  /**
   * Account deletion: the account's own list goes with it (idempotent). Entries naming it in
   * other users' lists are their data and stay.
   */
  async forget(sdkAppId: number, userId: string): Promise<void> {
    await this.repo.removeList(sdkAppId, userId);
  }

  /** 0 when `from` may send `to` a message, else the code the sender gets. */
  async sendAllowed(sdkAppId: number, from: string, to: string): Promise<number> {
    return (await this.repo.has(sdkAppId, to, from)) ? ErrorCode.C2C_BLACKLISTED : 0;
  }

  /**
   * Validates a batch: the owner must exist (30003); each target is a valid, existing account or
   * gets its own ResultCode. Returns the targets still to act on.
   */
  private async prepare(sdkAppId: number, owner: string, targets: string[], requireTargetsExist = true): Promise<{ valid: string[]; results: Map<string, ResultItem> }> {
    requireAccount(owner);
    if (!targets.length || targets.length > BLACKLIST_BATCH_MAX) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `To_Account must hold 1-${BLACKLIST_BATCH_MAX} accounts`);
    const results = new Map<string, ResultItem>();
    const unique = [...new Set(targets)];
    const wellFormed = unique.filter((t) => {
      if (isValidUserId(t)) return true;
      results.set(t, fail(ErrorCode.SNS_INVALID_PARAMETER, 'invalid account'));
      return false;
    });
    const known = await this.existing(sdkAppId, [owner, ...(requireTargetsExist ? wellFormed : [])]);
    if (!known.has(owner)) throw new MeridianError(ErrorCode.SNS_ACCOUNT_NOT_FOUND, `From_Account ${owner} does not exist`);
    const valid = wellFormed.filter((t) => {
      if (!requireTargetsExist || known.has(t)) return true;
      results.set(t, fail(ErrorCode.SNS_ACCOUNT_NOT_FOUND, 'Err_SNS_Account_Not_Exist'));
      return false;
    });
    return { valid, results };
  }

  private existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return existingAccounts(this.clients, sdkAppId, userIds);
  }

  private async changed(sdkAppId: number, owner: string, targets: string[], added: boolean, origin?: originEventsV1.Origin): Promise<void> {
    await this.repo.bump(sdkAppId, owner, Date.now());
    const key = `${sdkAppId}:${owner}`;
    await this.bus.publish(TOPICS.relationshipChanges, key, { blacklistChanged: { fromAccount: owner, toAccounts: targets, added, origin } }, { sdkAppId });
    // The owner's devices keep their copy of the list in step.
    const body = Buffer.from(JSON.stringify({ From_Account: owner, To_Account: targets }));
    await this.bus.publish(
      TOPICS.deliveries,
      key,
      { deliveryRequested: { recipients: [owner], kind: added ? 'blacklist_added' : 'blacklist_deleted', body, conversationId: '', seq: '0', excludeLoginId: '', offlinePush: Buffer.alloc(0), onlineOnlyRecipients: [] } },
      { sdkAppId },
    );
  }
}

function requireAccount(id: string): void {
  if (!isValidUserId(id)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'From_Account is missing or invalid');
}

function fail(resultCode: number, resultInfo: string): ResultItem {
  return { toAccount: '', resultCode, resultInfo };
}

/** One result per requested account, in request order (duplicates answered alike). */
function itemsOf(targets: string[], results: Map<string, ResultItem>): ResultItem[] {
  return targets.map((t) => {
    const r = results.get(t);
    return r ? { ...r, toAccount: t } : { toAccount: t, resultCode: 0, resultInfo: '' };
  });
}
