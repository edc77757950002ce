import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * An after-callback waiting for its next attempt. _id "<due ms, 13 digits>:<callback id>": due
 * retries are an _id range from the start (MongoDB's _id index serves it), in due
 * order. Rescheduling inserts the new document before deleting the old one (no atomic
 * read-modify-write on FerretDB): a crash in between repeats a delivery, never loses one.
 */
@Schema({ collection: 'callback_retries', versionKey: false })
export class RetryDoc {
  @Prop({ type: String, required: true }) _id!: string;
  /** The source event's id (X-Meridian-Event-Id), unique per callback. */
  @Prop({ required: true }) callbackId!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) command!: string;
  /** The request body as JSON text (built once, so every attempt sends the same body). */
  @Prop({ required: true }) body!: string;
  @Prop({ default: 'Unknown' }) optPlatform!: string;
  /** Tencent ClientIP: the address of the client or REST caller that caused the event. */
  @Prop({ default: '' }) clientIp!: string;
  /** Attempts made so far. */
  @Prop({ required: true }) attempts!: number;
  @Prop({ required: true }) firstAttemptMs!: number;
  @Prop({ default: '' }) lastError!: string;
}

export const RetrySchema = SchemaFactory.createForClass(RetryDoc);

/**
 * An after-callback that failed every attempt, parked for an admin's replay (its record is also on
 * the callback.dlq.v1 topic). _id "<sdkAppId>:<callback id>": one app's dead letters are an _id range.
 */
@Schema({ collection: 'callback_dead_letters', versionKey: false })
export class DeadLetterDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) callbackId!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) command!: string;
  @Prop({ required: true }) body!: string;
  @Prop({ default: 'Unknown' }) optPlatform!: string;
  /** Tencent ClientIP: the address of the client or REST caller that caused the event. */
  @Prop({ default: '' }) clientIp!: string;
  @Prop({ required: true }) attempts!: number;
  @Prop({ required: true }) firstAttemptMs!: number;
  @Prop({ default: '' }) lastError!: string;
  @Prop({ required: true }) deadAtMs!: number;
}

export const DeadLetterSchema = SchemaFactory.createForClass(DeadLetterDoc);

const DUE_DIGITS = 13;

export function retryId(dueMs: number, callbackId: string): string {
  return `${String(Math.max(0, Math.floor(dueMs))).padStart(DUE_DIGITS, '0')}:${callbackId}`;
}

/** The smallest _id due after `nowMs` (exclusive upper bound of a due scan). */
export function dueBound(nowMs: number): string {
  return `${String(Math.floor(nowMs) + 1).padStart(DUE_DIGITS, '0')}:`;
}

export function deadLetterId(sdkAppId: number, callbackId: string): string {
  return `${sdkAppId}:${callbackId}`;
}
