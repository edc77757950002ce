import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * UserSigs of one identity issued at or before `revokedAt` are refused (set by `kick` and by
 * `account_delete`). Kept apart from the account so that it outlives the account's deletion: a
 * deleted account's old sigs must stay dead when it is imported again.
 */
@Schema({ collection: 'sig_revocations', versionKey: false })
export class SigRevocationDoc {
  /** "<sdkAppId>:<userId>": every lookup is by _id (served by the _id index). */
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) userId!: string;
  /** Unix seconds; only ever raised. */
  @Prop({ required: true }) revokedAt!: number;
  @Prop({ required: true }) updatedAt!: Date;
}

export const SigRevocationSchema = SchemaFactory.createForClass(SigRevocationDoc);

export const revocationKey = (sdkAppId: number, userId: string) => `${sdkAppId}:${userId}`;
