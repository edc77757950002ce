import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export type BroadcastState = 'Pending' | 'Running' | 'Done';

/** A push to all users or to an audience (v4/all_member_push/im_push), and how far it has got. */
@Schema({ collection: 'broadcasts', versionKey: false })
export class BroadcastDoc {
  /** The TaskId returned to the caller; serves findById. */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ type: String, required: true }) state!: BroadcastState;
  @Prop({ type: Object, default: {} }) condition!: {
    attrsAnd?: Record<string, string>;
    attrsOr?: Record<string, string>;
    tagsAnd?: string[];
    tagsOr?: string[];
  };
  @Prop({ default: '' }) fromAccount!: string;
  @Prop({ default: 0 }) msgRandom!: number;
  @Prop({ default: 0 }) msgLifeTime!: number;
  /** MsgBody and OfflinePushInfo as JSON text, as the caller sent them. */
  @Prop({ required: true }) msgBody!: string;
  @Prop({ default: '' }) offlinePushInfo!: string;
  /** Last UserID handled: a restart resumes after it (at least once). */
  @Prop({ default: '' }) cursor!: string;
  @Prop({ default: 0 }) recipients!: number;
  @Prop({ default: 0 }) deliveredOnline!: number;
  @Prop({ default: 0 }) offline!: number;
  @Prop({ required: true }) createdAt!: Date;
  @Prop({ required: true }) updatedAt!: Date;
}

export const BroadcastSchema = SchemaFactory.createForClass(BroadcastDoc);
