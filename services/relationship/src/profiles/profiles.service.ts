import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isValidUserId } from '@meridian/contracts';
import { EventBus, GrpcClients, existingAccounts } from '@meridian/platform';
import type { originEventsV1 } from '@meridian/proto';
import { FriendsRepository } from '../friends/friends.repository';
import { ProfilesRepository } from './profiles.repository';
import { resolveTag, validateFieldSet, validateValue, valueOrDefault, type CustomField, type FieldRef, type ProfileValue } from './profile-values';

/** Tencent: portrait_get reads at most 100 accounts per call. */
export const PROFILE_BATCH_MAX = 100;

export interface ProfileResult {
  userId: string;
  items: { tag: string; value: ProfileValue }[];
  resultCode: number;
  resultInfo: string;
}

export interface SetInput {
  sdkAppId: number;
  userId: string;
  items: { tag: string; value: unknown }[];
  byAdmin: boolean;
  /** The client login that made the change: it is not told about its own change. */
  fromLoginId: string;
  /** Who made the change (Profile.CallbackPortraitSet Operator_Account, OptPlatform, ClientIP). */
  origin?: originEventsV1.Origin;
}

/**
 * Profiles: standard Tag_Profile_IM_* fields and the app's declared Tag_Profile_Custom_* fields.
 * The profile store is the source of truth for every field, Nick and Image included (account
 * import's Nick/FaceUrl stay in auth and are not mirrored here; see docs/architecture.md).
 */
@Injectable()
export class ProfilesService {
  constructor(
    @Inject(ProfilesRepository) private readonly repo: ProfilesRepository,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(FriendsRepository) private readonly friends: FriendsRepository,
  ) {}

  /** Account deletion (Tencent: the profile goes with the account). Idempotent. */
  async forget(sdkAppId: number, userIds: string[]): Promise<void> {
    await this.repo.removeAll(sdkAppId, userIds);
  }

  /**
   * portrait_get. Every tag is checked before anything is read (40009 unknown, 40007 a custom
   * field users may not read when `requester` is a user). Accounts that do not exist get
   * ResultCode 40003 and are listed in failAccounts; the others get every asked tag, defaults for
   * unset standard fields, nothing for unset custom fields.
   */
  async get(sdkAppId: number, userIds: string[], tags: string[], requester: string): Promise<{ profiles: ProfileResult[]; failAccounts: string[] }> {
    if (userIds.length < 1 || userIds.length > PROFILE_BATCH_MAX) {
      throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `To_Account must hold 1-${PROFILE_BATCH_MAX} accounts`);
    }
    for (const u of userIds) if (!isValidUserId(u)) throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, `invalid account ${JSON.stringify(u)}`);
    if (!tags.length) throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, 'TagList must name at least one tag');
    const custom = await this.repo.fieldsOf(sdkAppId);
    const refs = [...new Set(tags)].map((t) => resolveTag(t, custom));
    if (requester) {
      const denied = refs.find((r) => r.kind === 'custom' && !r.field.userReadable);
      if (denied) throw new MeridianError(ErrorCode.PROFILE_READ_DENIED, `${denied.tag} cannot be read by users`);
    }
    const unique = [...new Set(userIds)];
    const [existing, values] = await Promise.all([this.existing(sdkAppId, unique), this.repo.valuesOf(sdkAppId, unique)]);
    const profiles = unique.map((userId): ProfileResult => {
      if (!existing.has(userId)) return { userId, items: [], resultCode: ErrorCode.PROFILE_ACCOUNT_NOT_FOUND, resultInfo: 'account not found' };
      const stored = values.get(userId) ?? {};
      const items = refs.flatMap((r) => {
        const value = valueOrDefault(r, stored[r.tag]);
        return value === undefined ? [] : [{ tag: r.tag, value }];
      });
      return { userId, items, resultCode: 0, resultInfo: '' };
    });
    return { profiles, failAccounts: unique.filter((u) => !existing.has(u)) };
  }

  /**
   * portrait_set (admin) or a user's own change. Every item is validated before anything is
   * written, so a refused request changes nothing. A user may not write custom fields declared
   * admin-only (40008). An account that does not exist gets 40003: the profile service's own
   * "account not found" (portrait_set's documented codes are 40001-40009, and the profile
   * service numbers its admin-required code 40004 the way sns does 30003/30004).
   */
  async set(input: SetInput): Promise<void> {
    if (!isValidUserId(input.userId)) throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, 'invalid account');
    if (!input.items.length) throw new MeridianError(ErrorCode.PROFILE_INVALID_PARAMETER, 'ProfileItem must hold at least one item');
    const custom = await this.repo.fieldsOf(input.sdkAppId);
    const values: Record<string, ProfileValue> = {};
    // What friends may see: standard fields and custom fields users may read.
    const visible = new Set<string>();
    for (const item of input.items) {
      const ref: FieldRef = resolveTag(item.tag, custom);
      if (!input.byAdmin && ref.kind === 'custom' && !ref.field.userWritable) {
        throw new MeridianError(ErrorCode.PROFILE_WRITE_DENIED, `${ref.tag} cannot be written by users`);
      }
      // A tag given twice: the last value wins, as it would in two consecutive sets.
      values[ref.tag] = validateValue(ref, item.value);
      if (ref.kind !== 'custom' || ref.field.userReadable) visible.add(ref.tag);
    }
    const existing = await this.existing(input.sdkAppId, [input.userId]);
    if (!existing.has(input.userId)) throw new MeridianError(ErrorCode.PROFILE_ACCOUNT_NOT_FOUND, `account ${input.userId} does not exist`);
    await this.repo.set(input.sdkAppId, input.userId, values);

    const items = Object.entries(values).map(([tag, value]) => ({ tag, valueJson: JSON.stringify(value) }));
    const opts = { sdkAppId: input.sdkAppId };
    // Feeds Profile.CallbackPortraitSet (callback service) and, later, friends' caches.
    await this.bus.publish(TOPICS.relationshipChanges, `${input.sdkAppId}:${input.userId}`, { profileChanged: { userId: input.userId, items, byAdmin: input.byAdmin, origin: input.origin } }, opts);
    const body = { From_Account: input.userId, ProfileItem: Object.entries(values).map(([Tag, Value]) => ({ Tag, Value })) };
    const conversationId = `profile:${input.userId}`;
    const deliver = (recipients: string[], payload: unknown) =>
      this.bus.publish(
        TOPICS.deliveries,
        conversationId,
        {
          deliveryRequested: {
            recipients,
            kind: 'profile_changed',
            body: Buffer.from(JSON.stringify(payload)),
            conversationId,
            seq: '0',
            excludeLoginId: input.fromLoginId,
            offlinePush: Buffer.alloc(0),
            onlineOnlyRecipients: [],
          },
        },
        opts,
      );
    // The user's own devices (but the one that made the change) see every field...
    await deliver([input.userId], body);
    // ...their friends' online devices the fields users may read.
    const shown = body.ProfileItem.filter((i) => visible.has(i.Tag));
    const friends = (await this.friends.list(input.sdkAppId, input.userId, 3000)).map((f) => f.friend);
    if (shown.length && friends.length) await deliver(friends, { From_Account: input.userId, ProfileItem: shown });
  }

  async fields(sdkAppId: number): Promise<CustomField[]> {
    return this.repo.fieldsOf(sdkAppId);
  }

  /**
   * Replaces the app's custom field declarations. The check against the declared set and the
   * write are not atomic (FerretDB has no conditional read-modify-write we rely on); this is an
   * operator action, and two operators racing would each leave a valid set.
   */
  async setFields(sdkAppId: number, next: CustomField[]): Promise<CustomField[]> {
    const fields = validateFieldSet(next, await this.repo.fieldsOf(sdkAppId));
    await this.repo.saveFields(sdkAppId, fields);
    return fields;
  }

  private existing(sdkAppId: number, userIds: string[]): Promise<Set<string>> {
    return existingAccounts(this.clients, sdkAppId, userIds);
  }
}
