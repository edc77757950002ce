import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** An app's push attribute names: index "0".."9" → name (v4/all_member_push/im_set_attr_name). */
@Schema({ collection: 'attr_names', versionKey: false })
export class AttrNamesDoc {
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ type: Object, default: {} }) names!: Record<string, string>;
}
export const AttrNamesSchema = SchemaFactory.createForClass(AttrNamesDoc);

/** One user's push attributes and tags. */
@Schema({ collection: 'user_audience', versionKey: false, minimize: false })
export class UserAudienceDoc {
  /** "<sdkAppId>:<userId>": per-user reads and writes go by _id (the only scan-free lookup on FerretDB). */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  @Prop({ type: Object, default: {} }) attrs!: Record<string, string>;
  @Prop({ type: [String], default: [] }) tags!: string[];
}
export const UserAudienceSchema = SchemaFactory.createForClass(UserAudienceDoc);
// serves: keyset paging of an audience in userId order on MongoDB
UserAudienceSchema.index({ sdkAppId: 1, userId: 1 }, { unique: true });

export const audienceKey = (sdkAppId: number, userId: string) => `${sdkAppId}:${userId}`;
// serves: tag conditions (TagsAnd / TagsOr) of a broadcast
UserAudienceSchema.index({ sdkAppId: 1, tags: 1 });
