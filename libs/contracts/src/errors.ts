/**
 * One error catalogue for REST, WebSocket and gRPC, numbered with Tencent Cloud IM's codes where
 * they exist. Business code throws MeridianError(code); each transport maps it exactly once.
 */
export const ErrorCode = {
  OK: 0,
  // REST conventions (60000-60028)
  HTTP_PARSE: 60002,
  JSON_PARSE: 60003,
  ACCOUNT_OR_SIG_INVALID: 60004,
  SDKAPPID_INVALID: 60006,
  REST_RATE_LIMITED: 60007,
  SERVICE_TIMEOUT: 60008,
  BAD_RESOURCE: 60009,
  REQUIRES_ADMIN: 60010,
  APP_RATE_LIMITED: 60011,
  SDKAPPID_MISSING: 60012,
  ACCOUNT_NOT_STRING: 60015,
  SDKAPPID_DISABLED: 60016,
  REQUEST_DISABLED: 60017,
  URL_PARAM_INVALID: 60025,
  // UserSig and accounts (70000-70500)
  USERSIG_EXPIRED: 70001,
  USERSIG_DECODE_FAILED: 70003,
  USERSIG_CONTENT_INVALID: 70005,
  USERSIG_SIGNATURE_MISMATCH: 70009,
  USERSIG_IDENTIFIER_MISMATCH: 70013,
  USERSIG_SDKAPPID_MISMATCH: 70014,
  USERSIG_KEY_MISSING: 70016,
  APP_NOT_FOUND: 70020,
  USERSIG_TOO_MANY_FAILURES: 70050,
  ACCOUNT_NOT_FOUND: 70107,
  INTERNAL_TIMEOUT: 70169,
  INVALID_BATCH_COUNT: 70206,
  INVALID_PARAMETER: 70402,
  REQUIRES_ADMIN_ACCOUNT: 70403,
  INTERNAL: 70500,
  /**
   * Meridian's own, not Tencent's (internal gRPC only): the calling service's certificate does not
   * allow this RPC (an app's secrets and app administration are for operators).
   */
  GRPC_CALLER_NOT_ALLOWED: 70501,
  ACCOUNT_DELETE_UNSUPPORTED: 71000,
  // Client (SDK) codes used on the WebSocket
  CLIENT_NOT_LOGGED_IN: 6014,
  CLIENT_KICKED: 6208,
  TOO_FREQUENT: 60018,
  /** openim's "JSON format parsing failed", also used for malformed WebSocket frames. */
  JSON_FORMAT: 90001,
  MSG_BODY_NOT_ARRAY: 90002,
  TO_ACCOUNT_MISSING: 90003,
  MSG_RANDOM_INVALID: 90005,
  MSG_ELEMENT_INVALID: 90010,
  TO_ACCOUNT_NOT_FOUND: 90012,
  ACCOUNT_COUNT_OVER_LIMIT: 90018,
  MSG_LIFETIME_INVALID: 90026,
  PUSH_TOO_FREQUENT: 90024,
  PUSH_ATTR_INVALID: 90033,
  PUSH_DAILY_LIMIT: 90047,
  MSG_SERVICE_INTERNAL: 91000,
  MSG_TOO_LONG_REST: 93000,
  MSG_RECALL_WINDOW_PASSED: 20016,
  MSG_NOT_FOUND: 20022,
  MSG_ALREADY_RECALLED: 20023,
  MSG_KEY_INVALID: 90054,
  /** The sender is muted app-wide for 1:1 messages (openconfigsvr/setnospeaking). */
  C2C_SENDER_MUTED: 20012,
  /** The recipient has blacklisted the sender. */
  C2C_BLACKLISTED: 20007,
  /** The app's C2C.CallbackBeforeSendMsg answered 1 (reject). */
  C2C_CALLBACK_REJECTED: 20006,
  /** The app's Group.CallbackBefore* answered 1 (reject). */
  GROUP_CALLBACK_REJECTED: 10016,
  // Relationship chain (sns): 30001 bad parameters, 30003 account not found, 30013 blacklist full.
  SNS_INVALID_PARAMETER: 30001,
  SNS_ACCOUNT_NOT_FOUND: 30003,
  SNS_BLACKLIST_LIMIT: 30013,
  /** More than 50 pinned conversations. */
  CONVERSATION_PIN_LIMIT: 51012,
  // Profiles (40000-40999, v4/profile/*)
  PROFILE_INVALID_PARAMETER: 40001,
  /** The account whose profile is set or read does not exist (profile's analogue of 70107 / sns 30003). */
  PROFILE_ACCOUNT_NOT_FOUND: 40003,
  /** A user may not read this (custom) field from a client. */
  PROFILE_READ_DENIED: 40007,
  /** A user may not write this (custom) field from a client. */
  PROFILE_WRITE_DENIED: 40008,
  /** The tag is neither a standard field nor a custom field declared for the app. */
  PROFILE_TAG_NOT_FOUND: 40009,
  /** A value longer than its field allows (500 bytes at most). */
  PROFILE_VALUE_TOO_LONG: 40601,
  /** A standard field's value is not one it accepts (enumerations, uint32 range, Location length). */
  PROFILE_VALUE_INVALID: 40605,
  /** A value of the wrong JSON type for its field (string vs integer). */
  PROFILE_VALUE_TYPE_MISMATCH: 40610,
  // v4/open_msg_svc/get_history's own codes (Tencent's "Downloading Recent Messages" page)
  /** The request is invalid (our use: a download URL whose token does not verify). */
  HISTORY_REQUEST_INVALID: 1001,
  /** A parameter is invalid: ChatType or MsgTime missing or malformed. */
  HISTORY_PARAMETER_INVALID: 1002,
  /** A system error while the file was produced. */
  HISTORY_SYSTEM_ERROR: 1003,
  /** The file has not been generated (the hour has not ended) or the hour holds no messages. */
  HISTORY_NOT_READY: 1004,
  /** The file has expired: the hour is older than the app's retention, or the download URL expired. */
  HISTORY_EXPIRED: 1005,
  // Messages (80000-80005)
  MSG_BODY_TOO_LONG: 80002,
  CALLBACK_BLOCKED: 80003,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The "requires an App admin" code differs per REST service (reference §2): the account service
 * answers 70403, messages 90009, relationship 30004, profile 40004, conversations 50003, groups
 * 10007; everything else 60010.
 */
export const ADMIN_REQUIRED_CODE_BY_SERVICE: Readonly<Record<string, number>> = {
  im_open_login_svc: 70403,
  openim: 90009,
  all_member_push: 90009,
  sns: 30004,
  profile: 40004,
  recentcontact: 50003,
  group_open_http_svc: 10007,
};

/**
 * Each REST service's own "invalid parameter" code, for refusals made at the edge before the
 * command runs (malformed text): groups 10004, relationship 30001, profile 40001, get_history
 * 1002, media 6017; every other service 70402. A Map, so a path such as `__proto__` finds nothing.
 */
const INVALID_PARAMETER_CODE_BY_SERVICE: ReadonlyMap<string, number> = new Map([
  ['group_open_http_svc', 10004],
  ['sns', 30001],
  ['profile', 40001],
  ['open_msg_svc', 1002],
  // Media uploads answer with Tencent's client code for invalid parameters (media.ts).
  ['meridian_media', 6017],
]);

export function invalidParameterCode(restService: string): number {
  return INVALID_PARAMETER_CODE_BY_SERVICE.get(restService) ?? ErrorCode.INVALID_PARAMETER;
}

/** The REST service whose codes a WebSocket command area answers with (`group.*` as groups, …). */
const WS_AREA_SERVICE: ReadonlyMap<string, string> = new Map([
  ['group', 'group_open_http_svc'],
  ['friend', 'sns'],
  ['blacklist', 'sns'],
  ['profile', 'profile'],
  ['media', 'meridian_media'],
]);

export function invalidParameterCodeForWs(cmd: string): number {
  return invalidParameterCode(WS_AREA_SERVICE.get(cmd.split('.')[0] ?? '') ?? '');
}

/** The "requires an App admin" code of a REST service (60010 for services without their own). */
export function adminRequiredCode(restService: string): number {
  return Object.hasOwn(ADMIN_REQUIRED_CODE_BY_SERVICE, restService) ? ADMIN_REQUIRED_CODE_BY_SERVICE[restService]! : ErrorCode.REQUIRES_ADMIN;
}

const DEFAULT_INFO: Partial<Record<number, string>> = {
  [ErrorCode.HTTP_PARSE]: 'HTTP parse error',
  [ErrorCode.JSON_PARSE]: 'JSON parse error',
  [ErrorCode.SERVICE_TIMEOUT]: 'service timeout',
  [ErrorCode.REQUIRES_ADMIN]: 'this request requires an app admin',
  [ErrorCode.APP_NOT_FOUND]: 'SDKAppID not found',
  [ErrorCode.SDKAPPID_DISABLED]: 'SDKAppID disabled',
  [ErrorCode.USERSIG_EXPIRED]: 'UserSig expired',
  [ErrorCode.USERSIG_TOO_MANY_FAILURES]: 'too many UserSig verification failures, retry after a minute',
  [ErrorCode.ACCOUNT_NOT_FOUND]: 'account not found',
  [ErrorCode.INVALID_PARAMETER]: 'invalid parameter',
  [ErrorCode.INTERNAL]: 'internal error',
  [ErrorCode.INTERNAL_TIMEOUT]: 'internal timeout',
  [ErrorCode.GRPC_CALLER_NOT_ALLOWED]: 'caller not allowed',
};

export class MeridianError extends Error {
  override readonly name = 'MeridianError';

  constructor(
    readonly code: number,
    message?: string,
  ) {
    super(message ?? DEFAULT_INFO[code] ?? `error ${code}`);
  }

  static is(value: unknown): value is MeridianError {
    return value instanceof MeridianError;
  }
}

/** gRPC status codes we map domain errors onto (numeric, to keep grpc-js out of this lib). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

/** Metadata key that carries the Meridian (Tencent) error code across a gRPC hop. */
export const ERROR_CODE_METADATA_KEY = 'meridian-error-code';

export function grpcStatusFor(code: number): number {
  if (code === ErrorCode.INTERNAL) return GrpcStatus.INTERNAL;
  if (code === ErrorCode.INTERNAL_TIMEOUT || code === ErrorCode.SERVICE_TIMEOUT) return GrpcStatus.DEADLINE_EXCEEDED;
  if (code === ErrorCode.REST_RATE_LIMITED || code === ErrorCode.APP_RATE_LIMITED) return GrpcStatus.RESOURCE_EXHAUSTED;
  if (code >= 70001 && code <= 70052) return GrpcStatus.UNAUTHENTICATED;
  if (code === ErrorCode.GRPC_CALLER_NOT_ALLOWED || code === ErrorCode.REQUIRES_ADMIN || Object.values(ADMIN_REQUIRED_CODE_BY_SERVICE).includes(code)) {
    return GrpcStatus.PERMISSION_DENIED;
  }
  if (code === ErrorCode.APP_NOT_FOUND || code === ErrorCode.ACCOUNT_NOT_FOUND || code === ErrorCode.PROFILE_ACCOUNT_NOT_FOUND) return GrpcStatus.NOT_FOUND;
  return GrpcStatus.FAILED_PRECONDITION;
}

/**
 * Whether a failure may go away by itself (infrastructure, timeouts, throttling) and is worth
 * retrying. Every other code says the input itself is refused and retrying cannot help.
 */
export function isTransientCode(code: number): boolean {
  return (
    code === ErrorCode.INTERNAL ||
    code === ErrorCode.INTERNAL_TIMEOUT ||
    code === ErrorCode.SERVICE_TIMEOUT ||
    code === ErrorCode.MSG_SERVICE_INTERNAL ||
    code === ErrorCode.TOO_FREQUENT ||
    code === ErrorCode.REST_RATE_LIMITED ||
    code === ErrorCode.APP_RATE_LIMITED
  );
}
