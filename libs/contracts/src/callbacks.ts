/**
 * Tencent's callback commands Meridian sends (reference section 7), by kind. An app enables
 * commands by name; any other name is refused when the settings are saved.
 */
export const BEFORE_CALLBACK_COMMANDS = [
  'C2C.CallbackBeforeSendMsg',
  'Sns.CallbackPrevFriendAdd',
  'Sns.CallbackPrevFriendResponse',
  'Group.CallbackBeforeSendMsg',
  'Group.CallbackBeforeCreateGroup',
  'Group.CallbackBeforeApplyJoinGroup',
  'Group.CallbackBeforeInviteJoinGroup',
] as const;

export const AFTER_CALLBACK_COMMANDS = [
  'State.StateChange',
  'Profile.CallbackPortraitSet',
  'Sns.CallbackFriendAdd',
  'Sns.CallbackFriendDelete',
  'Sns.CallbackBlackListAdd',
  'Sns.CallbackBlackListDelete',
  'C2C.CallbackAfterSendMsg',
  'C2C.CallbackAfterMsgReport',
  'C2C.CallbackAfterMsgWithDraw',
  'Group.CallbackAfterCreateGroup',
  'Group.CallbackAfterNewMemberJoin',
  'Group.CallbackAfterMemberExit',
  'Group.CallbackAfterSendMsg',
  'Group.CallbackAfterGroupDestroyed',
  'Group.CallbackAfterGroupInfoChanged',
  'Group.CallbackAfterRecallMsg',
] as const;

export const CALLBACK_COMMANDS: readonly string[] = [...BEFORE_CALLBACK_COMMANDS, ...AFTER_CALLBACK_COMMANDS];
