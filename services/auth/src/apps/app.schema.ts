import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export type AppStatusName = 'active' | 'disabled';
export type MultiDevicePolicyName = 'single' | 'dual' | 'triple' | 'multi';
export type CallbackFailurePolicyName = 'deliver' | 'block';

@Schema({ _id: false, versionKey: false })
export class CallbackSettingsDoc {
  @Prop({ default: '' }) url!: string;
  @Prop({ type: [String], default: [] }) commands!: string[];
  @Prop({ default: '' }) token!: string;
  @Prop({ default: 2000 }) timeoutMs!: number;
  @Prop({ type: String, default: 'deliver' }) failurePolicy!: CallbackFailurePolicyName;
}

/** An app (SDKAppID). Stored only in its home region's auth database. */
@Schema({ collection: 'apps', versionKey: false })
export class AppDoc {
  /** The SDKAppID is the primary key: serves findById in every lookup. */
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ required: true }) name!: string;
  @Prop({ required: true }) homeRegion!: string;
  @Prop({ type: String, required: true }) status!: AppStatusName;
  @Prop({ type: [String], required: true }) admins!: string[];
  @Prop({ type: String, required: true }) multiDevicePolicy!: MultiDevicePolicyName;
  @Prop({ required: true }) maxPerPlatform!: number;
  @Prop({ required: true }) maxWeb!: number;
  /** 64 hex characters used as text for HMAC. Never logged, returned only when revealed. */
  @Prop({ required: true }) secretKey!: string;
  @Prop({ required: true }) keyVersion!: number;
  @Prop({ default: '' }) ecdsaPublicKey!: string;
  @Prop({ type: CallbackSettingsDoc, default: () => ({}) }) callback!: CallbackSettingsDoc;
  /** REST calls per second per command and per app; 0 = platform default. */
  @Prop({ default: 0 }) restCommandQps!: number;
  @Prop({ default: 0 }) restAppQps!: number;
  /** Days of roaming storage for 1:1 messages; 0 = the platform default (7). */
  @Prop({ default: 0 }) roamingDays?: number;
  /** Seconds a sender may recall their own message (1:1 and group); 0 = the platform default (120). */
  @Prop({ default: 0 }) recallWindowS?: number;
  /** Whether the callback URL may resolve to loopback, private or link-local addresses (operator's choice). */
  @Prop({ default: false }) allowPrivateCallbackTargets?: boolean;
  @Prop({ required: true }) createdAt!: Date;
  @Prop({ required: true }) updatedAt!: Date;
}

export const AppSchema = SchemaFactory.createForClass(AppDoc);
