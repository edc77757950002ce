import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { isDuplicateKey } from '@meridian/platform';
import { AppDoc } from './app.schema';

export type AppRecord = AppDoc;

@Injectable()
export class AppsRepository {
  constructor(@InjectModel(AppDoc.name) private readonly apps: Model<AppDoc>) {}

  /** Inserts a new app; false when the SDKAppID is taken (the unique _id arbitrates races). */
  async insert(app: AppRecord): Promise<boolean> {
    try {
      await this.apps.create(app);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async find(sdkAppId: number): Promise<AppRecord | null> {
    return this.apps.findById(sdkAppId).lean<AppRecord>().exec();
  }

  async list(): Promise<AppRecord[]> {
    return this.apps.find().sort({ _id: 1 }).lean<AppRecord[]>().exec();
  }

  /** Applies a partial update and returns the new record (null when the app does not exist). */
  async update(sdkAppId: number, set: Partial<AppRecord>): Promise<AppRecord | null> {
    await this.apps.updateOne({ _id: sdkAppId }, { $set: { ...set, updatedAt: new Date() } }).exec();
    return this.find(sdkAppId);
  }
}
