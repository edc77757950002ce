import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS } from '@meridian/contracts';
import { EventBus, GrpcClients, LoadingCache, Metrics } from '@meridian/platform';
import type { authV1, relationshipV1 } from '@meridian/proto';
import { CHAT_CONFIG, type ChatConfig } from '../chat.config';

/**
 * What a 1:1 send asks other services — do both accounts exist, is the sender muted app-wide
 * (auth), has the recipient blacklisted the sender (relationship) — answered from local caches.
 *
 * Each cache is invalidated by the owning service's events, which every chat instance reads (a
 * consumer group per instance): a change applies from the next send once its event has arrived
 * (normally within milliseconds), and within MERIDIAN_CHAT_CACHE_TTL_S at worst, when events cannot
 * flow. Only the permissive answers are kept — an existing, unmuted account; "not blacklisted" —
 * so lifting a restriction (import, unmute, blacklist removal) applies at once, and only imposing
 * one (delete, mute, blacklist add) waits for its event.
 */
@Injectable()
export class SendChecks implements OnModuleInit {
  private readonly accounts: LoadingCache<authV1.AccountResult>;
  private readonly blocks: LoadingCache<number>;

  constructor(
    @Inject(CHAT_CONFIG) config: ChatConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(Metrics) metrics: Metrics,
  ) {
    const ttlMs = config.MERIDIAN_CHAT_CACHE_TTL_S * 1000;
    const maxEntries = config.MERIDIAN_CHAT_CACHE_ENTRIES;
    // Account deletion announces itself before it deletes: hold the key uncached meanwhile.
    this.accounts = new LoadingCache({ name: 'chat_accounts', maxEntries, ttlMs, holdMs: 10_000, registry: metrics.registry });
    this.blocks = new LoadingCache({ name: 'chat_blacklist', maxEntries, ttlMs, registry: metrics.registry });
  }

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'send-checks',
      topics: [TOPICS.accountsDeleted, TOPICS.accountChanges, TOPICS.relationshipChanges],
      perInstance: true,
      handler: async ({ envelope }) => {
        const app = envelope.sdkAppId;
        const users = envelope.accountsDeleted?.userIds ?? envelope.accountsChanged?.userIds;
        if (users) {
          for (const u of users) this.accounts.invalidate(`${app}:${u}`);
          // A deleted account's blacklists go with it; a re-imported one starts clean.
          if (envelope.accountsDeleted) {
            const gone = new Set(users);
            this.blocks.invalidateWhere((k) => {
              const [a, owner, sender] = k.split('\u0000');
              return a === String(app) && (gone.has(owner!) || gone.has(sender!));
            });
          }
        }
        const b = envelope.blacklistChanged;
        if (b) for (const t of b.toAccounts) this.blocks.invalidate(blockKey(app, b.fromAccount, t));
      },
    });
  }

  /** Both accounts must exist; returns the sender's result (with its mute deadlines). */
  async requireAccounts(sdkAppId: number, from: string, to: string): Promise<authV1.AccountResult> {
    const ids = from === to ? [from] : [from, to];
    const found = new Map<string, authV1.AccountResult>();
    for (const id of ids) {
      const hit = this.accounts.lookup(`${sdkAppId}:${id}`);
      if (hit) found.set(id, hit);
    }
    const unknown = ids.filter((id) => !found.has(id));
    if (unknown.length) {
      const mark = this.accounts.mark();
      const check = await this.clients.service<authV1.AuthServiceClient>('auth').checkAccounts({ sdkAppId, userIds: unknown });
      for (const r of check.results) {
        found.set(r.userId, r);
        // Kept: existing, unmuted accounts. A muted sender is asked about again (rare, and an
        // unmute then applies at once); a missing account too (it may be imported any moment).
        if (r.status === 'Imported' && !(Number(r.c2cMutedUntil) > Date.now() / 1000)) this.accounts.set(`${sdkAppId}:${r.userId}`, r, mark);
      }
    }
    const exists = (id: string) => found.get(id)?.status === 'Imported';
    if (!exists(to)) throw new MeridianError(ErrorCode.TO_ACCOUNT_NOT_FOUND, `To_Account ${to} does not exist`);
    if (!exists(from)) throw new MeridianError(ErrorCode.ACCOUNT_NOT_FOUND, `From_Account ${from} does not exist`);
    return found.get(from)!;
  }

  /** 0, or the code refusing a client message from `from` to `to` (20007: `to` blacklisted `from`). */
  sendRefusal(sdkAppId: number, from: string, to: string): Promise<number> {
    return this.blocks.get(blockKey(sdkAppId, to, from), async () => {
      const r = await this.clients.service<relationshipV1.RelationshipServiceClient>('relationship').checkSendAllowed({ sdkAppId, fromAccount: from, toAccount: to });
      return r.code;
      // Only "allowed" is kept: a refused sender is asked about again, so a removal applies at once.
    }, (code) => code === 0);
  }
}

/** Owner's blacklist holding sender; NUL separates (user ids never hold it). */
function blockKey(sdkAppId: number, owner: string, sender: string): string {
  return `${sdkAppId}\u0000${owner}\u0000${sender}`;
}
