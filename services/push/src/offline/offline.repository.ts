import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { PLATFORMS } from '@meridian/contracts';
import { findByIds, isDuplicateKey } from '@meridian/platform';
import { DeviceTokenDoc, ProviderConfigDoc } from './offline.schema';
import type { ProviderKind } from './providers/provider';

const tokenKey = (sdkAppId: number, userId: string, platform: string) => `${sdkAppId}:${userId}:${platform}`;

@Injectable()
export class OfflineRepository {
  constructor(
    @InjectModel(DeviceTokenDoc.name) private readonly tokens: Model<DeviceTokenDoc>,
    @InjectModel(ProviderConfigDoc.name) private readonly configs: Model<ProviderConfigDoc>,
  ) {}

  async saveToken(sdkAppId: number, userId: string, platform: string, provider: ProviderKind, token: string): Promise<void> {
    const _id = tokenKey(sdkAppId, userId, platform);
    const doc = { _id, sdkAppId, userId, platform, provider, token, updatedAt: new Date() };
    try {
      await this.tokens.create(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await this.tokens.updateOne({ _id }, { $set: doc }).exec();
    }
  }

  async removeToken(sdkAppId: number, userId: string, platform: string): Promise<void> {
    await this.tokens.deleteOne({ _id: tokenKey(sdkAppId, userId, platform) }).exec();
  }

  /** The registrations of some users, looked up by _id (one key per user and platform). */
  async tokensOf(sdkAppId: number, userIds: string[]): Promise<DeviceTokenDoc[]> {
    const ids = userIds.flatMap((u) => PLATFORMS.map((p) => tokenKey(sdkAppId, u, p)));
    return findByIds(this.tokens, ids);
  }

  async setConfig(sdkAppId: number, provider: ProviderKind, config: unknown | undefined): Promise<void> {
    try {
      await this.configs.create({ _id: sdkAppId, configs: {} });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const update = config === undefined ? { $unset: { [`configs.${provider}`]: '' } } : { $set: { [`configs.${provider}`]: config } };
    await this.configs.updateOne({ _id: sdkAppId }, update).exec();
  }

  async configOf(sdkAppId: number): Promise<Partial<Record<ProviderKind, unknown>>> {
    return (await this.configs.findById(sdkAppId).lean<ProviderConfigDoc>().exec())?.configs ?? {};
  }
}
