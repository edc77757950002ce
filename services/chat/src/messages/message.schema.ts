import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/**
 * One stored C2C message, once per conversation (both parties read the same document).
 * _id "<sdkAppId>:<conversation>:<seq, 12 digits>": unique per (conversation, seq), so a seq can
 * never be stored twice, and ordered, so a conversation's range is an _id range. Range reads also
 * name the conversation (sdkAppId, conversationId): MongoDB serves them from the index below, and
 * FerretDB, which never pushes a range down, narrows to the conversation by that equality instead
 * of scanning every message (docs/architecture.md, MongoDB).
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
  /** Not counted as unread (SendMsgControl NoUnread, or imported as history). */
  @Prop({ default: false }) noUnread?: boolean;
  /** Not in the sender's roaming (REST SyncOtherMachine 2): only the recipient's history shows it. */
  @Prop({ default: false }) hiddenFromSender?: boolean;
  /** End of roaming retention; the retention job deletes messages past it. */
  @Prop({ required: true }) expiresAt!: Date;
  /** "<sdkAppId>:<unix minute of time>" (libs/platform hour-pages), set by the repository on insert. */
  @Prop() minute?: string;
}

export const C2cMessageSchema = SchemaFactory.createForClass(C2cMessageDoc);
// serves: get_history exports, an app's messages of one minute (equality: an index lookup on FerretDB)
C2cMessageSchema.index({ minute: 1, _id: 1 });
// serves: a conversation's messages by seq (history, sync, unread counts, the seq high-water mark)
C2cMessageSchema.index({ sdkAppId: 1, conversationId: 1, _id: 1 });
// serves: a conversation's history by message time (admin_getroammsg's MinTime/MaxTime window)
C2cMessageSchema.index({ sdkAppId: 1, conversationId: 1, time: -1, seq: -1 });
// serves: finding an earlier copy of a retried send by its random (MessagesService.send)
C2cMessageSchema.index({ sdkAppId: 1, conversationId: 1, random: 1 });
// serves: the retention job's scan for expired messages (on MongoDB; FerretDB scans regardless)
C2cMessageSchema.index({ expiresAt: 1 });

/**
 * The highest seq a conversation ever had once its messages are purged: with the stored messages,
 * the durable high-water mark a lost Redis counter is rebuilt from. _id "<sdkAppId>:<conversation>".
 */
@Schema({ collection: 'c2c_seq_floors', versionKey: false })
export class SeqFloorDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) seq!: number;
}
export const SeqFloorSchema = SchemaFactory.createForClass(SeqFloorDoc);

/**
 * One imported message's de-duplication key (Tencent: MsgSeq, MsgRandom and MsgTimeStamp, in
 * either direction): _id "<sdkAppId>:<conversation>:<MsgSeq>_<MsgRandom>_<MsgTimeStamp>".
 * Inserted before the message, so of two concurrent imports exactly one stores it.
 */
@Schema({ collection: 'c2c_import_keys', versionKey: false })
export class ImportKeyDoc {
  @Prop({ type: String, required: true }) _id!: string;
  /** The stored message's seq; 0 while the import that claimed the key is in flight. */
  @Prop({ default: 0 }) seq!: number;
  @Prop({ default: '' }) msgKey!: string;
  @Prop({ required: true }) expiresAt!: Date;
}
export const ImportKeySchema = SchemaFactory.createForClass(ImportKeyDoc);

export const SEQ_DIGITS = 12;
export const messageId = (sdkAppId: number, conversationId: string, seq: number) => `${sdkAppId}:${conversationId}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
