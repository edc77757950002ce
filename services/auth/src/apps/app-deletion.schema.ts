import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * A deleted app's tombstone and the progress of its purge, kept in the home region's auth
 * database. Its SDKAppID is never given out again (CreateApp treats it as taken).
 */
@Schema({ collection: 'app_deletions', versionKey: false, minimize: false })
export class AppDeletionDoc {
  /** The SDKAppID: every read is by _id. */
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ required: true }) name!: string;
  @Prop({ required: true }) homeRegion!: string;
  @Prop({ required: true }) requestedAt!: Date;
  /** service → what it reported when its purge finished. */
  @Prop({ type: Object, default: () => ({}) }) purged!: Record<string, { removed: number; at: Date }>;
}

export const AppDeletionSchema = SchemaFactory.createForClass(AppDeletionDoc);

/**
 * One service's finished purge of a deleted app, a document of its own: the six services report at
 * about the same moment, and FerretDB 1.24 applies concurrent updates of one document as
 * read-modify-write without isolation (one of two `$set`s of different fields can be lost), so
 * the reports are inserts, never updates of the tombstone. _id "<sdkAppId>:<service>"; the first
 * report stands (a replay's insert is a duplicate).
 */
@Schema({ collection: 'app_purge_reports', versionKey: false })
export class AppPurgeReportDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) service!: string;
  @Prop({ required: true }) removed!: number;
  @Prop({ required: true }) at!: Date;
}

export const AppPurgeReportSchema = SchemaFactory.createForClass(AppPurgeReportDoc);
// serves: a deletion's progress (every report of one app), an equality FerretDB answers from an index
AppPurgeReportSchema.index({ sdkAppId: 1 });
