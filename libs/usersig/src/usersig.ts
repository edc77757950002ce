import { decodeUserSigJson } from './codec';
import { UserSigError, UserSigErrorCodes } from './errors';
import { ecPublicKey, parseV1Fields, v1Content, v1SignatureMatches } from './v1';
import { V2_VERSION, parseV2Fields, v2Content, v2SignatureMatches } from './v2';

export type UserSigVersion = 'v2' | 'v1';

export interface UserSigClaims {
  version: UserSigVersion;
  identifier: string;
  sdkAppId: number;
  /** `TLS.time`, unix seconds. */
  issuedAt: number;
  /** `TLS.expire` (v2) / `TLS.expire_after` (v1), seconds relative to issuedAt. */
  expireSeconds: number;
  /** issuedAt + expireSeconds; the sig is valid through this second inclusive. */
  expiresAt: number;
  userbuf?: Buffer;
}

export interface ExpectedUserSig {
  sdkAppId: number;
  identifier: string;
  /** Unix seconds; defaults to the current time. */
  now?: number;
}

export interface UserSigKeys {
  /** The app's TLSSigAPIv2 SecretKey (used as UTF-8 bytes). */
  hmacKey?: string;
  /** The app's legacy ECDSA public key (SPKI PEM; secp256k1 or prime256v1). */
  ecdsaPublicKeyPem?: string;
}

/**
 * Decodes a UserSig into its JSON document and picks the algorithm the way Tencent's verifier does:
 * `TLS.ver == "2.0"` → v2 (HMAC), anything else → v1 (ECDSA). Throws 70003 (transport layers) or
 * 70005 (not a JSON object). Fields are not validated here.
 */
export function decodeUserSig(userSig: string): { version: UserSigVersion; doc: Record<string, unknown> } {
  const doc = decodeUserSigJson(userSig);
  const version: UserSigVersion = Object.prototype.hasOwnProperty.call(doc, 'TLS.ver') && doc['TLS.ver'] === V2_VERSION ? 'v2' : 'v1';
  return { version, doc };
}

/** The exact byte string that the sig's signature covers (debugging and migration tooling). */
export function signedContent(userSig: string): string {
  const { version, doc } = decodeUserSig(userSig);
  return version === 'v2' ? v2Content(parseV2Fields(doc)) : v1Content(parseV1Fields(doc));
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Verifies a UserSig for one app and user. Check order (first failure wins):
 *   decode 70003 → fields 70005 → SDKAppID 70014 → identifier 70013 → key present 70016
 *   → signature 70009 → expiry 70001.
 *
 * The claim comparisons (70014/70013) come before the signature: they only compare the document
 * with what the caller presented, reveal nothing secret, and give integrators the precise error.
 *
 * Expiry is checked AFTER the signature, unlike Tencent's libraries (which check it first). Until
 * the signature holds, `TLS.time`/`TLS.expire` are attacker-chosen numbers, so "expired" would be a
 * statement about unauthenticated data; with this order 70001 always means "a genuine sig of ours
 * that has run out", which is what clients act on (they fetch a fresh sig). The only observable
 * difference from Tencent is a sig that is both forged and expired: we answer 70009, they 70001.
 * Cost is not a concern: an attacker can make us run the signature check with unexpired forgeries
 * anyway.
 */
export function verifyUserSig(userSig: string, expected: ExpectedUserSig, keys: UserSigKeys): UserSigClaims {
  const now = expected.now ?? nowSeconds();
  const { version, doc } = decodeUserSig(userSig);

  let claims: UserSigClaims;
  let signatureOk: () => boolean;
  if (version === 'v2') {
    const fields = parseV2Fields(doc);
    claims = {
      version,
      identifier: fields.identifier,
      sdkAppId: fields.sdkAppId,
      issuedAt: fields.time,
      expireSeconds: fields.expire,
      expiresAt: fields.time + fields.expire,
    };
    if (fields.userbuf !== undefined) claims.userbuf = fields.userbuf;
    signatureOk = () => {
      if (keys.hmacKey === undefined || keys.hmacKey.length === 0) {
        throw new UserSigError(UserSigErrorCodes.KEY_MISSING, 'app has no HMAC key for a v2 UserSig');
      }
      return v2SignatureMatches(fields, keys.hmacKey);
    };
  } else {
    const fields = parseV1Fields(doc);
    claims = {
      version,
      identifier: fields.identifier,
      sdkAppId: fields.sdkAppId,
      issuedAt: fields.time,
      expireSeconds: fields.expireAfter,
      expiresAt: fields.time + fields.expireAfter,
    };
    if (fields.userbuf !== undefined) claims.userbuf = fields.userbuf;
    signatureOk = () => {
      if (keys.ecdsaPublicKeyPem === undefined || keys.ecdsaPublicKeyPem.length === 0) {
        throw new UserSigError(UserSigErrorCodes.KEY_MISSING, 'app has no ECDSA public key for a v1 UserSig');
      }
      return v1SignatureMatches(fields, ecPublicKey(keys.ecdsaPublicKeyPem));
    };
  }

  if (claims.sdkAppId !== expected.sdkAppId) {
    throw new UserSigError(UserSigErrorCodes.SDKAPPID_MISMATCH, 'SDKAppID does not match the UserSig');
  }
  if (claims.identifier !== expected.identifier) {
    throw new UserSigError(UserSigErrorCodes.IDENTIFIER_MISMATCH, 'UserID does not match the UserSig');
  }
  if (!signatureOk()) throw new UserSigError(UserSigErrorCodes.SIGNATURE_MISMATCH, 'signature does not match');
  // v2: `now > time + expire`; v1: `time + expire_after < now` — the same rule.
  if (now > claims.expiresAt) throw new UserSigError(UserSigErrorCodes.EXPIRED, 'UserSig expired');
  return claims;
}
