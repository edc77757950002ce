import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** An imported account of an app (Tencent: account_import, or auto-registered at first login). */
@Schema({ collection: 'accounts', versionKey: false })
export class AccountDoc {
  /**
   * "<sdkAppId>:<userId>". Every hot lookup goes by _id, which MongoDB's _id index serves (as
   * good as a compound index); FerretDB serves only `_id` equality from an index (docs/architecture.md).
   */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  @Prop({ default: '' }) nick!: string;
  @Prop({ default: '' }) faceUrl!: string;
  @Prop({ required: true }) createdAt!: Date;
  /** App-wide mute (openconfigsvr/setnospeaking): unix seconds; 0 none; NO_SPEAKING_FOREVER for ever. */
  @Prop({ default: 0 }) c2cMutedUntil?: number;
  @Prop({ default: 0 }) groupMutedUntil?: number;
}

export const AccountSchema = SchemaFactory.createForClass(AccountDoc);
// serves: paging an app's accounts in UserID order (pushes to all users) on MongoDB
AccountSchema.index({ sdkAppId: 1, userId: 1 }, { unique: true });

export const accountKey = (sdkAppId: number, userId: string) => `${sdkAppId}:${userId}`;

/** Tencent's "muted for ever" value of C2CmsgNospeakingTime / GroupmsgNospeakingTime. */
export const NO_SPEAKING_FOREVER = 4_294_967_295;
