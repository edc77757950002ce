import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** An imported account of an app (Tencent: account_import, or auto-registered at first login). */
@Schema({ collection: 'accounts', versionKey: false })
export class AccountDoc {
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  @Prop({ default: '' }) nick!: string;
  @Prop({ default: '' }) faceUrl!: string;
  @Prop({ required: true }) createdAt!: Date;
  /** UserSigs issued before this unix second are refused (set by `kick`). */
  @Prop({ default: 0 }) sigsValidAfter!: number;
}

export const AccountSchema = SchemaFactory.createForClass(AccountDoc);
// serves: every account lookup (import, check, delete, login) and the duplicate-import arbiter
AccountSchema.index({ sdkAppId: 1, userId: 1 }, { unique: true });
