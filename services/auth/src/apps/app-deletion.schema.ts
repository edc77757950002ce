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
