import { timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { UserSigError, UserSigErrorCodes } from './errors';

/**
 * The transport encoding shared by both UserSig versions (reference §1.1 steps 4-5):
 * JSON text → zlib stream (RFC 1950) → standard base64 → `+`→`*`, `/`→`-`, `=`→`_`.
 */

/**
 * Longest UserSig we look at, in characters, checked before anything is decoded. Real sigs are
 * 200-450 characters (a v1 sig with a TRTC PrivateMapKey userbuf stays well under 1 KB).
 */
export const MAX_USERSIG_LENGTH = 4096;

/** Largest inflated JSON document we accept (zip-bomb guard; real documents are < 600 bytes). */
export const MAX_INFLATED_BYTES = 8192;

/** SDKAppIDs are uint32. */
export const MAX_SDKAPPID = 0xffffffff;
/** Upper bound for time/expire values so that time + expire stays an exact integer (~ year 36800). */
export const MAX_TIME_VALUE = 2 ** 40;
/** A non-negative decimal without sign, exponent or leading zero. */
export const CANONICAL_DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function undecodable(reason: string): UserSigError {
  return new UserSigError(UserSigErrorCodes.UNDECODABLE, reason);
}

function badContent(reason: string): UserSigError {
  return new UserSigError(UserSigErrorCodes.BAD_CONTENT, reason);
}

/** Standard base64 → Tencent's URL-safe variant. */
export function toUserSigBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

/**
 * Strict standard-base64 check (Buffer.from(..., 'base64') silently skips junk, so we look first).
 * Padding is optional; when present the length must be a multiple of 4.
 */
export function isStrictBase64(text: string): boolean {
  if (!STD_BASE64.test(text)) return false;
  if (text.includes('=')) return text.length % 4 === 0;
  return text.length % 4 !== 1;
}

/** Decodes strict standard base64, or returns undefined. */
export function decodeStrictBase64(text: string): Buffer | undefined {
  return isStrictBase64(text) ? Buffer.from(text, 'base64') : undefined;
}

/** JSON document → UserSig string. `level` is the zlib level (Node's default, 6, unless given). */
export function encodeUserSigJson(json: string, level?: number): string {
  const compressed = deflateSync(Buffer.from(json, 'utf8'), level === undefined ? {} : { level });
  return toUserSigBase64(compressed);
}

interface InflateWithInfo {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

function isInflateWithInfo(value: unknown): value is InflateWithInfo {
  if (typeof value !== 'object' || value === null) return false;
  if (!('buffer' in value) || !Buffer.isBuffer(value.buffer)) return false;
  if (!('engine' in value) || typeof value.engine !== 'object' || value.engine === null) return false;
  return 'bytesWritten' in value.engine && typeof value.engine.bytesWritten === 'number';
}

/** zlib-inflates with an output cap; rejects raw deflate, gzip, truncation and trailing bytes. */
function inflateCapped(compressed: Buffer): Buffer {
  let result: unknown;
  try {
    // `info: true` also hands back the engine, whose bytesWritten tells how much input was consumed.
    result = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES, info: true });
  } catch (err: unknown) {
    // By code, not `instanceof RangeError`: core errors may come from another realm (jest vm).
    const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw undecodable(`inflated document larger than ${MAX_INFLATED_BYTES} bytes`);
    throw undecodable('not a zlib stream');
  }
  if (Buffer.isBuffer(result)) return result;
  if (!isInflateWithInfo(result)) throw undecodable('not a zlib stream');
  if (result.engine.bytesWritten !== compressed.length) throw undecodable('trailing bytes after the zlib stream');
  return result.buffer;
}

/**
 * UserSig string → parsed JSON object. Throws 70003 when a transport layer fails, 70005 when the
 * inflated bytes are not a UTF-8 JSON object (see errors.ts for the mapping).
 *
 * Tolerated on input: a URL-percent-encoded sig (decoded once, when it contains `%`), and the
 * standard base64 alphabet (`+ / =`) as well as the URL-safe one, padded or not.
 * Rejected: the very old plain-JSON format (a raw `{...}` string, reference §1.1 "Version
 * dispatch"); apps old enough to issue it are not supported, so it is reported as 70003.
 */
export function decodeUserSigJson(userSig: string): Record<string, unknown> {
  if (typeof userSig !== 'string' || userSig.length === 0) throw undecodable('empty UserSig');
  if (userSig.length > MAX_USERSIG_LENGTH) throw undecodable(`UserSig longer than ${MAX_USERSIG_LENGTH} characters`);

  let text = userSig;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      throw undecodable('bad URL percent-encoding');
    }
  }
  if (text.trimStart().startsWith('{')) throw undecodable('plain-JSON (pre-zlib) UserSig format is not supported');

  const base64 = text.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
  const compressed = decodeStrictBase64(base64);
  if (compressed === undefined || compressed.length === 0) throw undecodable('not base64');

  const inflated = inflateCapped(compressed);

  let json: string;
  try {
    json = UTF8.decode(inflated);
  } catch {
    throw badContent('document is not UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw badContent('document is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badContent('document is not a JSON object');
  return doc as Record<string, unknown>;
}

/**
 * Constant-time equality of a computed value against a presented one. The computed value's length
 * is public (44 base64 characters for HMAC-SHA256), so a length mismatch is folded in after a
 * full-length comparison instead of returning early.
 */
export function constantTimeEqual(computed: Buffer, presented: Buffer): boolean {
  const sameLength = presented.length === computed.length;
  const other = sameLength ? presented : computed;
  return timingSafeEqual(computed, other) && sameLength;
}

/** Own property lookup (a document may legally carry a `__proto__` key). */
export function own(doc: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(doc, key) ? doc[key] : undefined;
}

export function has(doc: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(doc, key);
}

/**
 * Content strings are `name:value\n` lines, so a value carrying a line break (or any C0 control
 * character / DEL) could be read as a different set of lines. No legitimate value contains one.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

/** Validates the inputs common to both generators; returns the issue time (unix seconds). */
export function checkGenInputs(opts: { sdkAppId: number; identifier: string; expireSeconds: number; now?: number }): number {
  if (!Number.isInteger(opts.sdkAppId) || opts.sdkAppId < 0 || opts.sdkAppId > MAX_SDKAPPID) {
    throw new RangeError('sdkAppId must be a uint32');
  }
  if (typeof opts.identifier !== 'string' || opts.identifier.length === 0 || hasControlChars(opts.identifier)) {
    throw new RangeError('identifier must be a non-empty string without control characters');
  }
  if (!Number.isInteger(opts.expireSeconds) || opts.expireSeconds < 0 || opts.expireSeconds > MAX_TIME_VALUE) {
    throw new RangeError('expireSeconds must be a non-negative integer');
  }
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(now) || now < 0 || now > MAX_TIME_VALUE) throw new RangeError('now must be unix seconds');
  return now;
}
