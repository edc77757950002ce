/** Redis keys of the group service (the client adds <region prefix>group:). */
export const GroupKeys = {
  seq: (sdkAppId: number, groupId: string) => `seq:${sdkAppId}:${groupId}`,
  /** Held by the one group instance running the retention job (expires on its own if that instance dies). */
  retentionLock: () => 'lock:retention',
  /** Client messages accepted in one second (frequency control). */
  rate: (sdkAppId: number, groupId: string, second: number) => `rate:${sdkAppId}:${groupId}:${second}`,
  dedupe: (sdkAppId: number, groupId: string, from: string, random: number) => `dedupe:${sdkAppId}:${groupId}:${from}:${random}`,
  /** AVChatRoom audience: user ids scored by join time. */
  live: (sdkAppId: number, groupId: string) => `live:${sdkAppId}:${groupId}`,
  /** The AVChatRooms a user joined (WithHugeGroups); 7 days after the last join (live-rooms.repository.ts). */
  liveRoomsOf: (sdkAppId: number, user: string) => `liverooms:${sdkAppId}:${user}`,
  /** AVChatRoom gateways: "<region>|<address>" → connections of the room held there. */
  liveGateways: (sdkAppId: number, groupId: string) => `livegw:${sdkAppId}:${groupId}`,
  /** AVChatRoom gateways that failed a DeliverLive: "<region>|<address>" → first failure (ms). */
  liveGatewayFailures: (sdkAppId: number, groupId: string) => `livegwfail:${sdkAppId}:${groupId}`,
  /** A random token replaced on every change of a group's members or their MsgFlag (GroupsRepository.audience). */
  memberVersion: (sdkAppId: number, groupId: string) => `memberver:${sdkAppId}:${groupId}`,
  /** AVChatRoom members who joined (op 1) or left (op 2) since the room's last such tip. */
  liveTips: (sdkAppId: number, groupId: string, opType: number) => `livetip:${sdkAppId}:${groupId}:${opType}`,
} as const;

/** The key families above named "<family>:<sdkAppId>…": what a deleted app's purge removes (appDataPurge). */
export const GROUP_KEY_FAMILIES = ['seq', 'rate', 'dedupe', 'live', 'liverooms', 'livegw', 'livegwfail', 'memberver', 'livetip'] as const;
