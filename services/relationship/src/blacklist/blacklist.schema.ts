import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One entry of one user's blacklist: _id "<sdkAppId>:<owner>:<target>". A user's list is one _id
 * range and "has B blacklisted A" is a range of one key (account ids contain no ':'), both
 * served by the _id index on FerretDB and MongoDB alike.
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

/** The list's version (Tencent CurruentSequence): raised with every change. _id "<sdkAppId>:<owner>". */
@Schema({ collection: 'blacklist_versions', versionKey: false })
export class BlacklistVersionDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) seq!: number;
}
export const BlacklistVersionSchema = SchemaFactory.createForClass(BlacklistVersionDoc);

export const blacklistKey = (sdkAppId: number, owner: string, target: string) => `${sdkAppId}:${owner}:${target}`;
