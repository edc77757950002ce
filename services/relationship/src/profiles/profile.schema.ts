import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { ProfileValue } from './profile-values';

/**
 * One user's profile: the fields ever set, tag → value (a string or an unsigned integer).
 * _id "<sdkAppId>:<userId>": every read and write goes by _id, the index MongoDB always has
 * (batches through findByIds).
 */
@Schema({ collection: 'profiles', versionKey: false })
export class ProfileDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  @Prop({ type: Object, default: {} }) values!: Record<string, ProfileValue>;
  @Prop() updatedAt?: Date;
}

export const ProfileSchema = SchemaFactory.createForClass(ProfileDoc);

export const profileKey = (sdkAppId: number, userId: string) => `${sdkAppId}:${userId}`;

/** One declared custom field (Tag_Profile_Custom_<name>). */
@Schema({ _id: false, versionKey: false })
export class ProfileFieldEntry {
  @Prop({ required: true }) name!: string;
  @Prop({ required: true }) type!: string;
  @Prop({ default: 0 }) maxLength!: number;
  @Prop({ default: false }) userReadable!: boolean;
  @Prop({ default: false }) userWritable!: boolean;
}

/** The custom profile fields an app declared; _id = SDKAppID (one document per app, read by _id). */
@Schema({ collection: 'profile_fields', versionKey: false })
export class ProfileFieldsDoc {
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ type: [SchemaFactory.createForClass(ProfileFieldEntry)], default: [] }) fields!: ProfileFieldEntry[];
  @Prop() updatedAt?: Date;
}

export const ProfileFieldsSchema = SchemaFactory.createForClass(ProfileFieldsDoc);
