import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

/** Tencent's SessionItem Type. */
export const ConversationType = { C2C: 1, GROUP: 2 } as const;

/**
 * One entry of one user's conversation list, with that user's read position.
 * _id "<sdkAppId>:<owner>:c2c:<peer>" (or ":group:<groupId>"); a user's whole list is read by
 * (sdkAppId, owner), an index lookup on MongoDB and on FerretDB (where an _id range would scan).
 *
 * Writers touch disjoint fields, so no write needs another's read: the projector (one Kafka
 * partition per conversation, so one writer per conversation) sets the last-message fields;
 * read reports raise readSeq with $max; delete and pin set their own flags.
 */
@Schema({ collection: 'conversations', versionKey: false })
export class ConversationDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) owner!: string;
  @Prop({ required: true }) type!: number;
  /** The peer account (C2C) or the group id. */
  @Prop({ required: true }) peer!: string;
  /** Highest message seq the projector has applied (replays below it are ignored). */
  @Prop() projectedSeq?: number;
  /** The conversation's last message (not NoLastMsg ones). */
  @Prop() lastSeq?: number;
  @Prop() lastTime?: number;
  @Prop() lastExpiresAt?: Date;
  /** The newest message from the peer that counts as unread. */
  @Prop() lastPeerSeq?: number;
  /** Everything up to this seq is read by the owner. */
  @Prop() readSeq?: number;
  @Prop() readTime?: number;
  /** History up to this seq is hidden from the owner (recentcontact/delete with ClearRamble 1). */
  @Prop() clearedSeq?: number;
  /** Deleted from the list; the next message brings it back. */
  @Prop() deleted?: boolean;
  @Prop() pinned?: boolean;
  /** Group conversations: deleted at this unix second; shown again after a newer message. */
  @Prop() deletedAt?: number;
  @Prop() updatedAt?: Date;
}

export const ConversationSchema = SchemaFactory.createForClass(ConversationDoc);
// serves: the retention job's removal of conversations whose last message expired (MongoDB)
ConversationSchema.index({ lastExpiresAt: 1 });
// serves: a user's conversation list
ConversationSchema.index({ sdkAppId: 1, owner: 1 });

export const conversationKey = (sdkAppId: number, owner: string, type: number, peer: string) =>
  `${sdkAppId}:${owner}:${type === ConversationType.GROUP ? 'group' : 'c2c'}:${peer}`;
