/**
 * Error codes the SDK raises itself. Server answers keep the platform's Tencent code (70001 UserSig
 * expired, 20016 recall window passed, …); these are the client-side ones, numbered as Tencent's
 * Chat SDK numbers them where it has an equivalent.
 */
export const ErrorCodes = {
  /** A parameter the app passed is missing or malformed. */
  INVALID_PARAMETER: 2000,
  /** The network failed and the request cannot be retried. */
  NETWORK_ERROR: 2800,
  /** No answer within the request timeout. */
  NETWORK_TIMEOUT: 2801,
  /** No gateway could be reached (addressing endpoint and every gateway failed). */
  NO_GATEWAY: 2802,
  /** Called before login, or after logout / being kicked. */
  NOT_LOGGED_IN: 6014,
  /** The UserSig expired. */
  USERSIG_EXPIRED: 6206,
  /** Another device logged in (or an admin kicked this one). */
  KICKED_OFFLINE: 6208,
  /** login() while already logged in. */
  REPEAT_LOGIN: 2025,
  /** The SDK instance was destroyed or logged out while a request was waiting. */
  CANCELLED: 2026,
} as const;

/** Every failure the SDK reports: `code` is a Tencent-compatible numeric code. */
export class MeridianError extends Error {
  override readonly name = 'MeridianError';
  constructor(
    readonly code: number,
    message: string,
    /** The server's answer body, when the error came from the server. */
    readonly data?: unknown,
  ) {
    super(message);
  }
}
