import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ProviderKind } from './providers/provider';

/** A device's offline push registration; _id "<sdkAppId>:<userId>:<platform>" (one per platform). */
@Schema({ collection: 'device_tokens', versionKey: false })
export class DeviceTokenDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  @Prop({ required: true }) platform!: string;
  @Prop({ type: String, required: true }) provider!: ProviderKind;
  @Prop({ required: true }) token!: string;
  @Prop({ required: true }) updatedAt!: Date;
}
export const DeviceTokenSchema = SchemaFactory.createForClass(DeviceTokenDoc);
// serves: a user's tokens on MongoDB (on FerretDB the lookup is by _id prefix per platform)
DeviceTokenSchema.index({ sdkAppId: 1, userId: 1 });

/** An app's offline push credentials per provider; _id = SDKAppID. Secret: never logged or returned. */
@Schema({ collection: 'provider_configs', versionKey: false, minimize: false })
export class ProviderConfigDoc {
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ type: Object, default: {} }) configs!: Partial<Record<ProviderKind, unknown>>;
}
export const ProviderConfigSchema = SchemaFactory.createForClass(ProviderConfigDoc);
