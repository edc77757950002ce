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
  'Group.CallbackAfterGroupFull',
  'Group.CallbackSendMsgException',
] as const;

export const CALLBACK_COMMANDS: readonly string[] = [...BEFORE_CALLBACK_COMMANDS, ...AFTER_CALLBACK_COMMANDS];

/** Tencent's OptPlatform for REST calls made by an app admin. */
export const REST_OPT_PLATFORM = 'RESTAPI';

const OPT_PLATFORMS: ReadonlyMap<string, string> = new Map([
  ['iPhone', 'iOS'],
  ['iPad', 'iPad'],
  ['Android', 'Android'],
  ['PC', 'Windows'],
  ['Mac', 'Mac'],
  ['Web', 'Web'],
]);

/**
 * Tencent's OptPlatform (callback query) for a session platform (iPhone, Android, iPad, PC, Mac,
 * Linux, Web). Tencent's list has no Linux: it and anything unknown are `Unknown`.
 */
export function optPlatformOf(platform: string): string {
  return OPT_PLATFORMS.get(platform) ?? 'Unknown';
}
