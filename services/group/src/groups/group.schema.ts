import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export interface KeyValue {
  Key: string;
  Value: string;
}

/** A group. _id "<sdkAppId>:<groupId>": one app's groups are one _id range. */
@Schema({ collection: 'groups', versionKey: false })
export class GroupDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) groupId!: string;
  /** Internal kind (Work, Public, Meeting, AVChatRoom). */
  @Prop({ required: true }) kind!: string;
  /** The type name it was created with (Private or Work, ChatRoom or Meeting, ...), answered back. */
  @Prop({ required: true }) typeName!: string;
  @Prop({ default: '' }) name!: string;
  @Prop({ default: '' }) introduction!: string;
  @Prop({ default: '' }) notification!: string;
  @Prop({ default: '' }) faceUrl!: string;
  /** '' when the group has no owner (created without one, or a Work owner quit). */
  @Prop({ default: '' }) owner!: string;
  @Prop({ required: true }) createTime!: number;
  @Prop({ default: 0 }) infoSeq!: number;
  @Prop({ default: 0 }) lastInfoTime!: number;
  @Prop({ default: 0 }) lastMsgTime!: number;
  @Prop({ default: 0 }) maxMemberNum!: number;
  @Prop({ default: 'NeedPermission' }) applyJoinOption!: string;
  @Prop({ default: false }) muteAll!: boolean;
  @Prop({ type: [Object], default: [] }) appDefinedData!: KeyValue[];
  /** Work groups become visible to members with their first message. */
  @Prop({ default: true }) activated!: boolean;
  /** The highest seq the retention job deleted: the sequence's durable floor once no message is left. */
  @Prop({ default: 0 }) seqFloor?: number;
}
export const GroupSchema = SchemaFactory.createForClass(GroupDoc);

/**
 * A member. _id "<sdkAppId>:<groupId>:<userId>". A member list is read by (sdkAppId, groupId)
 * equality, which both MongoDB (the index below) and FerretDB (only equality reaches an index
 * there, docs/architecture.md) serve from an index; an _id range would scan on FerretDB.
 */
@Schema({ collection: 'group_members', versionKey: false })
export class MemberDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) groupId!: string;
  @Prop({ required: true }) userId!: string;
  @Prop({ required: true }) role!: string;
  @Prop({ required: true }) joinTime!: number;
  /** The group's last seq when the member joined (history before it is hidden unless the type shows it). */
  @Prop({ default: 0 }) joinSeq!: number;
  /** Read up to this seq. */
  @Prop({ default: 0 }) msgSeq!: number;
  /** History up to this seq is hidden from the member (recentcontact/delete with ClearRamble 1). */
  @Prop({ default: 0 }) clearedSeq?: number;
  @Prop({ default: 'AcceptAndNotify' }) msgFlag!: string;
  @Prop({ default: 0 }) lastSendMsgTime!: number;
  @Prop({ default: '' }) nameCard!: string;
  @Prop({ type: [Object], default: [] }) appMemberDefinedData!: KeyValue[];
}
export const MemberSchema = SchemaFactory.createForClass(MemberDoc);
MemberSchema.index({ sdkAppId: 1, groupId: 1, _id: 1 });

/** Reverse index: the groups of a user. _id "<sdkAppId>:<userId>:<groupId>", read by `owner`. */
@Schema({ collection: 'user_groups', versionKey: false })
export class UserGroupDoc {
  @Prop({ type: String, required: true }) _id!: string;
  /** "<sdkAppId>:<userId>" (an equality an index serves on FerretDB too). */
  @Prop({ required: true }) owner!: string;
  @Prop({ required: true }) groupId!: string;
  @Prop({ required: true }) joinTime!: number;
}
export const UserGroupSchema = SchemaFactory.createForClass(UserGroupDoc);
UserGroupSchema.index({ owner: 1, joinTime: 1 });

/**
 * A member mute, kept apart from membership so it outlives leaving and rejoining (Tencent).
 * _id "<sdkAppId>:<groupId>:<userId>".
 */
@Schema({ collection: 'group_mutes', versionKey: false })
export class MuteDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) groupId!: string;
  @Prop({ required: true }) userId!: string;
  /** Unix seconds; MUTE_FOREVER for ever. */
  @Prop({ required: true }) until!: number;
}
export const MuteSchema = SchemaFactory.createForClass(MuteDoc);
// serves: a group's mutes (get_group_muted_account) by an indexed equality, not an _id range
MuteSchema.index({ sdkAppId: 1, groupId: 1, _id: 1 });

/** A pending application to join. _id "<sdkAppId>:<groupId>:<userId>". */
@Schema({ collection: 'group_applications', versionKey: false })
export class ApplicationDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) groupId!: string;
  @Prop({ required: true }) userId!: string;
  @Prop({ default: '' }) reason!: string;
  @Prop({ required: true }) time!: number;
}
export const ApplicationSchema = SchemaFactory.createForClass(ApplicationDoc);
// serves: a group's pending applications
ApplicationSchema.index({ sdkAppId: 1, groupId: 1, _id: 1 });

/** A stored group message (once per group). _id "<sdkAppId>:<groupId>:<seq, 12 digits>". */
@Schema({ collection: 'group_messages', versionKey: false })
export class GroupMessageDoc {
  @Prop({ type: String, required: true }) _id!: string;
  @Prop({ required: true }) sdkAppId!: number;
  @Prop({ required: true }) groupId!: string;
  @Prop({ required: true }) seq!: number;
  @Prop({ required: true }) from!: string;
  @Prop({ required: true }) random!: number;
  @Prop({ required: true }) time!: number;
  /** MsgBody as JSON text. */
  @Prop({ required: true }) body!: string;
  @Prop({ default: '' }) cloudCustomData!: string;
  @Prop({ default: 'Normal' }) priority!: string;
  @Prop({ default: false }) recalled!: boolean;
  /** A group tip (join, quit, ...) rather than a member's message. */
  @Prop({ default: false }) tip!: boolean;
  @Prop({ required: true }) expiresAt!: Date;
  /** "<sdkAppId>:<unix minute of time>" (libs/platform hour-pages), set by the repository on insert. */
  @Prop() minute?: string;
}
export const GroupMessageSchema = SchemaFactory.createForClass(GroupMessageDoc);
// serves: get_history exports, an app's group messages of one minute (equality: an index lookup on FerretDB)
GroupMessageSchema.index({ minute: 1, _id: 1 });
// serves: history pages, the newest seq and disband, by an indexed equality plus an _id bound
GroupMessageSchema.index({ sdkAppId: 1, groupId: 1, _id: 1 });
// serves: finding an earlier copy of a retried send by its Random
GroupMessageSchema.index({ sdkAppId: 1, groupId: 1, random: 1 });
// serves: the retention job's search for expired messages (MongoDB; FerretDB scans ranges)
GroupMessageSchema.index({ expiresAt: 1 });

/** One declared custom field. */
export interface DeclaredField {
  key: string;
  maxLength: number;
  readLevel: string;
  writeLevel: string;
}

/** An app's group settings (declared custom fields, member limits). _id = SDKAppID. */
@Schema({ collection: 'group_app_settings', versionKey: false })
export class GroupAppSettingsDoc {
  @Prop({ type: Number, required: true }) _id!: number;
  @Prop({ type: [Object], default: [] }) groupFields!: DeclaredField[];
  @Prop({ type: [Object], default: [] }) memberFields!: DeclaredField[];
  @Prop({ type: Object, default: {} }) maxMembers!: Record<string, number>;
}
export const GroupAppSettingsSchema = SchemaFactory.createForClass(GroupAppSettingsDoc);

export const SEQ_DIGITS = 12;
export const groupKey = (sdkAppId: number, groupId: string) => `${sdkAppId}:${groupId}`;
export const memberKey = (sdkAppId: number, groupId: string, userId: string) => `${sdkAppId}:${groupId}:${userId}`;
export const messageKey = (sdkAppId: number, groupId: string, seq: number) => `${sdkAppId}:${groupId}:${String(seq).padStart(SEQ_DIGITS, '0')}`;
