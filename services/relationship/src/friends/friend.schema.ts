import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One direction of a friendship: `owner` has `friend` in their list. _id
 * "<sdkAppId>:<owner>:<friend>": one relation is an _id equality, a list is (sdkAppId, owner)
 * ordered by _id (on FerretDB only an equality reaches an index).
 */
@Schema({ collection: 'friends', versionKey: false })
export class FriendDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) owner!: string;
  @Prop({ required: true }) friend!: string;
  @Prop({ default: '' }) remark!: string;
  /** Friend lists (Tag_SNS_IM_Group) the friend is in. */
  @Prop({ type: [String], default: [] }) groups!: string[];
  @Prop({ default: '' }) addSource!: string;
  @Prop({ default: '' }) addWording!: string;
  /** Unix seconds. */
  @Prop({ required: true }) addTime!: number;
}
export const FriendSchema = SchemaFactory.createForClass(FriendDoc);
FriendSchema.index({ sdkAppId: 1, owner: 1, _id: 1 });

/**
 * A pending friend request (Tencent "pendency") kept twice, so both sides list theirs: _id
 * "<sdkAppId>:in:<target>:<requester>" (read by sdkAppId and `to`) and
 * "<sdkAppId>:out:<requester>:<target>" (by sdkAppId and `from`), each within its _id range.
 */
@Schema({ collection: 'friend_requests', versionKey: false })
export class FriendRequestDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) from!: string;
  @Prop({ required: true }) to!: string;
  @Prop({ default: '' }) addSource!: string;
  @Prop({ default: '' }) addWording!: string;
  @Prop({ default: '' }) remark!: string;
  @Prop({ type: [String], default: [] }) groups!: string[];
  @Prop({ default: 'Add_Type_Both' }) addType!: string;
  @Prop({ required: true }) addTime!: number;
}
export const FriendRequestSchema = SchemaFactory.createForClass(FriendRequestDoc);
FriendRequestSchema.index({ sdkAppId: 1, to: 1, _id: 1 });
FriendRequestSchema.index({ sdkAppId: 1, from: 1, _id: 1 });

/** A user's friend lists and the version of their friend data. _id "<sdkAppId>:<owner>". */
@Schema({ collection: 'friend_meta', versionKey: false })
export class FriendMetaDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ type: [String], default: [] }) groups!: string[];
  /** Raised (millisecond clock, $max) by every change of the friend list (StandardSequence). */
  @Prop({ default: 0 }) seq!: number;
  /** Raised by every change of the friend lists (group_* CurrentSequence). */
  @Prop({ default: 0 }) groupSeq!: number;
}
export const FriendMetaSchema = SchemaFactory.createForClass(FriendMetaDoc);

export const friendKey = (sdkAppId: number, owner: string, friend: string) => `${sdkAppId}:${owner}:${friend}`;
export const incomingKey = (sdkAppId: number, target: string, requester: string) => `${sdkAppId}:in:${target}:${requester}`;
export const outgoingKey = (sdkAppId: number, requester: string, target: string) => `${sdkAppId}:out:${requester}:${target}`;
