import { Injectable } from '@nestjs/common';
import { InjectConnection, InjectModel } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { isDuplicateKey, purgeAppDocuments } from '@meridian/platform';
import { AppDeletionDoc, AppPurgeReportDoc } from './app-deletion.schema';
import { AppDoc } from './app.schema';

export type AppDeletionRecord = AppDeletionDoc;

@Injectable()
export class AppDeletionsRepository {
  constructor(
    @InjectModel(AppDeletionDoc.name) private readonly deletions: Model<AppDeletionDoc>,
    @InjectModel(AppPurgeReportDoc.name) private readonly reports: Model<AppPurgeReportDoc>,
    @InjectModel(AppDoc.name) private readonly apps: Model<AppDoc>,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  /** Every document of a deleted app in auth's database (accounts, revocations, …) except its tombstone and the purge reports. */
  purgeAppDocuments(sdkAppId: number): Promise<number> {
    return purgeAppDocuments(this.connection, sdkAppId, ['app_deletions', 'app_purge_reports']);
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

  /** The tombstone with every service's report so far. */
  async find(sdkAppId: number): Promise<AppDeletionRecord | null> {
    const [d, reports] = await Promise.all([
      this.deletions.findById(sdkAppId).lean<AppDeletionRecord>().exec(),
      this.reports.find({ sdkAppId }).lean<AppPurgeReportDoc[]>().exec(),
    ]);
    if (!d) return null;
    const purged = { ...(d.purged ?? {}) };
    for (const r of reports) purged[r.service] ??= { removed: r.removed, at: r.at };
    return { ...d, purged };
  }

  /** Removes the app's own record (its settings and keys): from then on the app is unknown. */
  async removeApp(sdkAppId: number): Promise<void> {
    await this.apps.deleteOne({ _id: sdkAppId }).exec();
  }

  /** A service's purge finished; the first report's count and time stand (replays change nothing). */
  async report(sdkAppId: number, service: string, removed: number): Promise<AppDeletionRecord | null> {
    if (!(await this.deletions.exists({ _id: sdkAppId }))) return null;
    try {
      await this.reports.create({ _id: `${sdkAppId}:${service}`, sdkAppId, service, removed, at: new Date() });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    return this.find(sdkAppId);
  }
}
