import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One stored C2C message, once per conversation (both parties read the same document).
 * _id "<sdkAppId>:<conversation>:<seq, 12 digits>": unique per (conversation, seq), so a seq can
 * never be stored twice, and ordered, so a conversation's range is an _id range (the only kind of
 * query FerretDB serves without a scan; on MongoDB the _id index serves it as well).
 */
@Schema({ collection: 'c2c_messages', versionKey: false })
export class C2cMessageDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) conversationId!: string;
  @Prop({ required: true }) seq!: number;
  @Prop({ required: true }) from!: string;
  @Prop({ required: true }) to!: string;
  @Prop({ required: true }) random!: number;
  /** Unix seconds. */
  @Prop({ required: true }) time!: number;
  @Prop({ required: true }) key!: string;
  /** MsgBody as JSON text, exactly as accepted. */
  @Prop({ required: true }) body!: string;
  @Prop({ default: '' }) cloudCustomData!: string;
  @Prop({ default: false }) recalled!: boolean;
  /** End of roaming retention; the purge job (next issue step) deletes past it. */
  @Prop({ required: true }) expiresAt!: Date;
}

export const C2cMessageSchema = SchemaFactory.createForClass(C2cMessageDoc);

export const SEQ_DIGITS = 12;
export const messageId = (sdkAppId: number, conversationId: string, seq: number) => `${sdkAppId}:${conversationId}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
