import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { AudienceRepository, type AudienceCondition } from './audience.repository';

/** Tencent's limits for push attributes and tags. */
export const AUDIENCE_LIMITS = {
  usersPerRequest: 100,
  attrNames: 10,
  attrNameBytes: 50,
  attrValueBytes: 50,
  tagsPerRequest: 10,
  tagsPerUser: 100,
  tagBytes: 50,
  conditionTags: 10,
} as const;

const bytes = (s: string) => Buffer.byteLength(s);

/**
 * Push audiences: the app's attribute names (0-9), users' attribute values and tags, and the
 * conditions of a push to part of the app's users. Every request is validated whole before
 * anything is written.
 */
@Injectable()
export class AudienceService {
  constructor(@Inject(AudienceRepository) private readonly repo: AudienceRepository) {}

  async setAttrNames(sdkAppId: number, names: Record<string, string>): Promise<void> {
    const entries = Object.entries(names);
    if (!entries.length) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, 'AttrNames is empty');
    for (const [index, name] of entries) {
      if (!/^[0-9]$/.test(index)) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute index ${JSON.stringify(index)} must be "0" to "9"`);
      if (typeof name !== 'string' || !name || bytes(name) > AUDIENCE_LIMITS.attrNameBytes) {
        throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute name for ${index} must be 1-${AUDIENCE_LIMITS.attrNameBytes} bytes`);
      }
    }
    const merged = { ...(await this.repo.attrNames(sdkAppId)), ...names };
    const values = Object.values(merged);
    if (new Set(values).size !== values.length) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, 'attribute names must be distinct');
    await this.repo.setAttrNames(sdkAppId, names);
  }

  attrNames(sdkAppId: number): Promise<Record<string, string>> {
    return this.repo.attrNames(sdkAppId);
  }

  async setUserAttrs(sdkAppId: number, users: { userId: string; attrs: Record<string, string> }[]): Promise<void> {
    this.checkUsers(users.map((u) => u.userId));
    const defined = new Set(Object.values(await this.repo.attrNames(sdkAppId)));
    for (const u of users) {
      for (const [name, value] of Object.entries(u.attrs)) {
        if (!defined.has(name)) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute ${JSON.stringify(name)} is not defined (im_set_attr_name)`);
        if (typeof value !== 'string' || bytes(value) > AUDIENCE_LIMITS.attrValueBytes) {
          throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute values are strings of at most ${AUDIENCE_LIMITS.attrValueBytes} bytes`);
        }
      }
    }
    for (const u of users) await this.repo.setAttrs(sdkAppId, u.userId, u.attrs);
  }

  async userAttrs(sdkAppId: number, userIds: string[]): Promise<{ userId: string; attrs: Record<string, string> }[]> {
    this.checkUsers(userIds);
    const found = new Map((await this.repo.find(sdkAppId, userIds)).map((d) => [d.userId, d.attrs ?? {}]));
    return userIds.map((userId) => ({ userId, attrs: found.get(userId) ?? {} }));
  }

  async removeUserAttrs(sdkAppId: number, users: { userId: string; names: string[] }[]): Promise<void> {
    this.checkUsers(users.map((u) => u.userId));
    const defined = new Set(Object.values(await this.repo.attrNames(sdkAppId)));
    const unknown = users.flatMap((u) => u.names).find((n) => !defined.has(n));
    if (unknown !== undefined) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute ${JSON.stringify(unknown)} is not defined`);
    for (const u of users) await this.repo.removeAttrs(sdkAppId, u.userId, u.names);
  }

  async addTags(sdkAppId: number, users: { userId: string; tags: string[] }[]): Promise<void> {
    this.checkUsers(users.map((u) => u.userId));
    for (const u of users) this.checkTags(u.tags, AUDIENCE_LIMITS.tagsPerRequest);
    const current = new Map((await this.repo.find(sdkAppId, users.map((u) => u.userId))).map((d) => [d.userId, new Set(d.tags)]));
    for (const u of users) {
      const after = new Set([...(current.get(u.userId) ?? []), ...u.tags]);
      if (after.size > AUDIENCE_LIMITS.tagsPerUser) {
        throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${u.userId} would have more than ${AUDIENCE_LIMITS.tagsPerUser} tags`);
      }
    }
    for (const u of users) await this.repo.addTags(sdkAppId, u.userId, u.tags);
  }

  async userTags(sdkAppId: number, userIds: string[]): Promise<{ userId: string; tags: string[] }[]> {
    this.checkUsers(userIds);
    const found = new Map((await this.repo.find(sdkAppId, userIds)).map((d) => [d.userId, d.tags ?? []]));
    return userIds.map((userId) => ({ userId, tags: found.get(userId) ?? [] }));
  }

  async removeTags(sdkAppId: number, users: { userId: string; tags: string[] }[]): Promise<void> {
    this.checkUsers(users.map((u) => u.userId));
    for (const u of users) this.checkTags(u.tags, AUDIENCE_LIMITS.tagsPerUser);
    for (const u of users) await this.repo.removeTags(sdkAppId, u.userId, u.tags);
  }

  async removeAllTags(sdkAppId: number, userIds: string[]): Promise<void> {
    this.checkUsers(userIds);
    await this.repo.removeAllTags(sdkAppId, userIds);
  }

  /** Validates a broadcast condition: one kind only, attributes defined, at most 10 tags. */
  async checkCondition(sdkAppId: number, c: AudienceCondition): Promise<void> {
    const kinds = [c.attrsAnd, c.attrsOr].filter((a) => a && Object.keys(a).length).length + [c.tagsAnd, c.tagsOr].filter((t) => t?.length).length;
    if (kinds > 1) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Condition takes one of AttrsAnd, AttrsOr, TagsAnd, TagsOr');
    for (const tags of [c.tagsAnd, c.tagsOr]) if (tags?.length) this.checkTags(tags, AUDIENCE_LIMITS.conditionTags);
    const attrs = { ...c.attrsAnd, ...c.attrsOr };
    if (Object.keys(attrs).length) {
      const defined = new Set(Object.values(await this.repo.attrNames(sdkAppId)));
      const unknown = Object.keys(attrs).find((n) => !defined.has(n));
      if (unknown !== undefined) throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, `attribute ${JSON.stringify(unknown)} is not defined`);
    }
  }

  page(sdkAppId: number, condition: AudienceCondition, after: string, limit: number): Promise<string[]> {
    return this.repo.page(sdkAppId, condition, after, limit);
  }

  private checkUsers(userIds: string[]): void {
    if (userIds.length < 1 || userIds.length > AUDIENCE_LIMITS.usersPerRequest) {
      throw new MeridianError(ErrorCode.ACCOUNT_COUNT_OVER_LIMIT, `1-${AUDIENCE_LIMITS.usersPerRequest} accounts per request`);
    }
    const bad = userIds.find((u) => !isValidUserId(u));
    if (bad !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid account ${JSON.stringify(bad)}`);
  }

  private checkTags(tags: string[], max: number): void {
    if (tags.length < 1 || tags.length > max) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `1-${max} tags`);
    const bad = tags.find((t) => typeof t !== 'string' || !t || bytes(t) > AUDIENCE_LIMITS.tagBytes);
    if (bad !== undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `tags are 1-${AUDIENCE_LIMITS.tagBytes} bytes`);
  }
}
