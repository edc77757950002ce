/** Event names, as Tencent's Chat SDK spells them (`TencentCloudChat.EVENT`). */
export const EVENT = {
  /** Logged in and the conversation list is loaded: the API is ready. */
  SDK_READY: 'sdkStateReady',
  /** Logged out, kicked or the session ended: the API is not usable. */
  SDK_NOT_READY: 'sdkStateNotReady',
  /**
   * `Message[]` that arrived (by push, or by the catch-up sync after a reconnect), each exactly once.
   * As in Tencent's web SDK, group tips (`TIMGroupTipElem`: joined, quit, kicked, admin, profile
   * changed) arrive here as messages of their group (`GROUP<groupID>`), and group system notices
   * (`TIMGroupSystemNoticeElem`: join request, accepted, refused, kicked, dismissed, created,
   * invited, custom) as messages of the `@TIM#SYSTEM` conversation; there are no separate events.
   */
  MESSAGE_RECEIVED: 'onMessageReceived',
  /** `Message[]` recalled (by either party, or a group's owner/admin); `isRevoked` is true. */
  MESSAGE_REVOKED: 'onMessageRevoked',
  /** `[{conversationID, userID, msgReadSeq, time}]`: the peer read own messages up to a seq. */
  MESSAGE_READ_BY_PEER: 'onMessageReadByPeer',
  /** `Message[]` changed by an admin (`c2c_modify`, `group_modify`). */
  MESSAGE_MODIFIED: 'onMessageModified',
  /** `Conversation[]`: the whole list (C2C and group conversations), whenever it changed. */
  CONVERSATION_LIST_UPDATED: 'onConversationListUpdated',
  /** `Group[]`: the joined groups, after login and whenever one was created, joined, left, disbanded or changed. */
  GROUP_LIST_UPDATED: 'onGroupListUpdated',
  /** `{type: 'multipleAccount' | 'userSigExpired' | 'kicked', reason}`: the session ended. */
  KICKED_OUT: 'kickedOut',
  /** `{state: 'connected' | 'connecting' | 'disconnected', region?}`. */
  NET_STATE_CHANGE: 'netStateChange',
  /** `[{userID, items: [{Tag, Value}]}]`: a profile changed (own, from another device). */
  PROFILE_UPDATED: 'onProfileUpdated',
  /** `{kind, body}`: a friend, friend request or friend deletion changed. */
  FRIEND_LIST_UPDATED: 'onFriendListUpdated',
  /** `{kind, userID}`: the blacklist changed on another device. */
  BLACKLIST_UPDATED: 'blacklistUpdated',
  /** `MeridianError`: something went wrong outside any call (e.g. a catch-up sync failed). */
  ERROR: 'error',
} as const;

export type EventName = (typeof EVENT)[keyof typeof EVENT];
export type Handler = (event: { name: string; data: unknown }) => void;

/** A minimal emitter (no Node `events` in browsers). A throwing handler never breaks the SDK. */
export class Emitter {
  private readonly handlers = new Map<string, Set<Handler>>();

  on(name: string, handler: Handler): void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler);
  }

  off(name: string, handler: Handler): void {
    this.handlers.get(name)?.delete(handler);
  }

  emit(name: string, data: unknown): void {
    for (const h of [...(this.handlers.get(name) ?? [])]) {
      try {
        h({ name, data });
      } catch {
        // The app's bug must not stop delivery to other handlers or the SDK's own bookkeeping.
      }
    }
  }
}
