import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { isDuplicateKey, purgeAppDocuments } from '@meridian/platform';
import { AppDeletionDoc } from './app-deletion.schema';
import { AppDoc } from './app.schema';

export type AppDeletionRecord = AppDeletionDoc;

@Injectable()
export class AppDeletionsRepository {
  constructor(
    @InjectModel(AppDeletionDoc.name) private readonly deletions: Model<AppDeletionDoc>,
    @InjectModel(AppDoc.name) private readonly apps: Model<AppDoc>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /** Every document of a deleted app in auth's database (accounts, revocations, …) except its tombstone. */
  purgeAppDocuments(sdkAppId: number): Promise<number> {
    return purgeAppDocuments(this.connection, sdkAppId, ['app_deletions']);
  }

  /** Records the deletion (false when it was recorded already: a repeated call). */
  async insert(d: AppDeletionRecord): Promise<boolean> {
    try {
      await this.deletions.create(d);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async find(sdkAppId: number): Promise<AppDeletionRecord | null> {
    return this.deletions.findById(sdkAppId).lean<AppDeletionRecord>().exec();
  }

  /** Removes the app's own record (its settings and keys): from then on the app is unknown. */
  async removeApp(sdkAppId: number): Promise<void> {
    await this.apps.deleteOne({ _id: sdkAppId }).exec();
  }

  /** A service's purge finished; the first report's count and time stand (replays change nothing). */
  async report(sdkAppId: number, service: string, removed: number): Promise<AppDeletionRecord | null> {
    await this.deletions.updateOne({ _id: sdkAppId, [`purged.${service}`]: { $exists: false } }, { $set: { [`purged.${service}`]: { removed, at: new Date() } } }).exec();
    return this.find(sdkAppId);
  }
}
