import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One entry of one user's blacklist: _id "<sdkAppId>:<owner>:<target>". "Has B blacklisted A" is
 * one _id equality; a user's list is (sdkAppId, owner) with the _id range as its order (on
 * FerretDB only the equality reaches an index; a bare _id range reads the whole collection).
 */
@Schema({ collection: 'blacklists', versionKey: false })
export class BlacklistDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) owner!: string;
  @Prop({ required: true }) target!: string;
  /** Unix seconds. */
  @Prop({ required: true }) addedAt!: number;
}
export const BlacklistSchema = SchemaFactory.createForClass(BlacklistDoc);
BlacklistSchema.index({ sdkAppId: 1, owner: 1, _id: 1 });

/** The list's version (Tencent CurruentSequence): raised with every change. _id "<sdkAppId>:<owner>". */
@Schema({ collection: 'blacklist_versions', versionKey: false })
export class BlacklistVersionDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) seq!: number;
}
export const BlacklistVersionSchema = SchemaFactory.createForClass(BlacklistVersionDoc);

export const blacklistKey = (sdkAppId: number, owner: string, target: string) => `${sdkAppId}:${owner}:${target}`;
