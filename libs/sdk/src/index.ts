/**
 * @meridian/sdk: the Meridian chat client for browsers and Node (ESM and CommonJS).
 *
 *   import { Meridian } from '@meridian/sdk';
 *   const chat = Meridian.create({ SDKAppID: 1400000001, accessUrl: 'http://127.0.0.1:7100' });
 *
 * or, as Tencent's samples have it, `import TencentCloudChat from '@meridian/sdk'` (the default
 * export) or `import { TencentCloudChat } from '@meridian/sdk'`.
 */
export { Meridian, type Conversation, type CreateOptions, type FilePayload, type MediaMessageOptions, type PeerReadReceipt, type Response, type SendOptions, type UserStatus } from './meridian.js';
// Tencent's samples say `import TencentCloudChat from '@tencentcloud/chat'` and then
// `TencentCloudChat.create(…)`, `TencentCloudChat.EVENT`, `TencentCloudChat.TYPES`: the same class.
export { Meridian as TencentCloudChat } from './meridian.js';
export { EVENT, type EventName, type Handler } from './events.js';
export { ErrorCodes, MeridianError } from './errors.js';
export { TYPES, type Message, type MsgElement, type CreateMessageOptions, type ConversationType, c2cConversationID, groupConversationID } from './messages.js';
export { type Group, type GroupMember } from './groups.js';
export { type GatewayInfo, type NetState, type WebSocketConstructor, type WebSocketLike, type FetchLike } from './connection.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { Meridian as default } from './meridian.js';
export { type UploadSource } from './uploads.js';
