/**
 * UserSig failure codes, numbered as Tencent Cloud IM numbers them (reference §1.1 "Server-side
 * codes"). Mapping of our checks onto them:
 *
 * | code  | when                                                                                  |
 * |-------|---------------------------------------------------------------------------------------|
 * | 70003 | the transport layers do not decode: empty, over-long, bad percent-encoding, characters |
 * |       | outside the (URL-safe or standard) base64 alphabet, not a zlib stream (raw deflate,   |
 * |       | gzip, truncated, bad Adler-32), trailing bytes, inflated size over the cap, and the    |
 * |       | very old plain-JSON UserSig format (which we do not support).                          |
 * | 70005 | it decodes, but the content is wrong: not UTF-8, not JSON, not a JSON object, a field  |
 * |       | missing or of the wrong type/shape (v2 numbers, v1 decimal strings, base64 userbuf).   |
 * | 70014 | `TLS.sdkappid` / `TLS.sdk_appid` differs from the app the request is for.              |
 * | 70013 | `TLS.identifier` differs from the presented UserID.                                   |
 * | 70016 | no key for the sig's algorithm (v2 without an HMAC key, v1 without an EC public key),  |
 * |       | or the configured public key is unusable (not PEM, not EC).                           |
 * | 70009 | the HMAC / ECDSA signature does not match (includes a `TLS.sig` that is not base64).  |
 * | 70001 | `now > time + expire` (the boundary second itself is still valid).                   |
 *
 * Why 70003 = "does not decode" and 70005 = "bad content" (inferred): the server codes line up with
 * the legacy C++ verifier's error enum plus 70000 where both are known (13 identifier mismatch ↔
 * 70013, 14 sdk_appid mismatch ↔ 70014); in that enum 3 is "zlib fail" and 4/5/10 are "JSON parse".
 * Tencent's public error table also describes 70003 as "parse failed" / "UserSig truncated", which
 * is what a truncated sig produces (an inflate failure).
 */
export type UserSigErrorCode = 70001 | 70003 | 70005 | 70009 | 70013 | 70014 | 70016;

export const UserSigErrorCodes = {
  EXPIRED: 70001,
  UNDECODABLE: 70003,
  BAD_CONTENT: 70005,
  SIGNATURE_MISMATCH: 70009,
  IDENTIFIER_MISMATCH: 70013,
  SDKAPPID_MISMATCH: 70014,
  KEY_MISSING: 70016,
} as const satisfies Record<string, UserSigErrorCode>;

/** A UserSig that did not verify. `reason` is a short fixed English text; it never echoes input. */
export class UserSigError extends Error {
  override readonly name = 'UserSigError';

  constructor(
    readonly code: UserSigErrorCode,
    readonly reason: string,
  ) {
    super(`UserSig rejected (${code}): ${reason}`);
  }

  static is(value: unknown): value is UserSigError {
    return value instanceof UserSigError;
  }
}
