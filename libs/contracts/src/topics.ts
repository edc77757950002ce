import type { ServiceName } from './services';

/**
 * Kafka topic catalogue. A topic's full name is the region's topic prefix (from the topology)
 * followed by one of these names, so two regions sharing one local broker never mix.
 * Naming: <owning service>.<subject>.v<schema major>.
 */
export const TOPICS = {
  /** A service's self-test probe; produced and consumed by the same service. */
  probe: (service: ServiceName) => `${service}.probe.v1`,
  /** UserStateChangedEvent (Tencent State.StateChange); key <sdkappid>:<user>. */
  userState: 'auth.user-state.v1',
  /** SessionKickedEvent, routed by push to the gateway instance holding the session. */
  sessionKicked: 'auth.session-kicked.v1',
  /** AccountsDeletedEvent, for services holding per-user data. */
  accountsDeleted: 'auth.accounts-deleted.v1',
  /** AccountsChangedEvent (app-wide mute), for services caching accounts; key <sdkappid>. */
  accountChanges: 'auth.account-changes.v1',
  /** AppChangedEvent (settings, status, key), for services caching apps; key <sdkappid>. */
  appChanges: 'auth.app-changes.v1',
  /** C2cMessageStoredEvent: every accepted 1:1 message, keyed by conversation. */
  c2cMessages: 'chat.c2c-messages.v1',
  /**
   * MessagesRecalledEvent: recalled 1:1 messages with their media UUIDs, keyed by conversation.
   * Low volume: for consumers of recalls alone (the media worker), which then need not read every
   * message of chat.c2c-messages.v1.
   */
  c2cRecalls: 'chat.c2c-recalls.v1',
  /** ProfileChangedEvent, BlacklistChangedEvent (and friend changes); key <sdkappid>:<user>. */
  relationshipChanges: 'relationship.changes.v1',
  /** GroupMessageStoredEvent, GroupChangedEvent; key <sdkappid>:<group id>. */
  groupEvents: 'group.events.v1',
  /** MessagesRecalledEvent: recalled group messages with their media UUIDs; key <sdkappid>:<group id>. */
  groupRecalls: 'group.recalls.v1',
  /** DeliveryRequestedEvent: what to deliver to users' devices; produced by chat/group/..., consumed by push. */
  deliveries: 'push.deliveries.v1',
  /** BroadcastRequestedEvent: a push to all users or to an audience, worked through at a paced rate. */
  broadcasts: 'push.broadcasts.v1',
  /** CallbackDeadLetteredEvent: after-callbacks that failed every retry; replayed by an admin. Key <sdkappid>. */
  callbackDlq: 'callback.dlq.v1',
  /** MediaObjectConfirmedEvent: an upload was confirmed; the media worker makes its variants. Key <sdkappid>:<user>. */
  mediaObjects: 'gateway.media-objects.v1',
} as const;
