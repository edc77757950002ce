import { createHmac } from 'node:crypto';
import {
  CANONICAL_DECIMAL,
  MAX_SDKAPPID,
  MAX_TIME_VALUE,
  checkGenInputs,
  constantTimeEqual,
  decodeStrictBase64,
  encodeUserSigJson,
  has,
  hasControlChars,
  own,
} from './codec';
import { UserSigError, UserSigErrorCodes } from './errors';

/**
 * TLSSigAPIv2 (HMAC-SHA256), reference §1.1.
 *
 * Numbers: `TLS.sdkappid`, `TLS.time` and `TLS.expire` are JSON numbers in every official
 * generator. We also accept them as canonical decimal strings ("1400000000", no sign, no leading
 * zero): NODE2 copies the sdkappid/expire it is given into the JSON verbatim, so an integrator who
 * passes an environment variable produces strings, and the signed content (`TLS.sdkappid:<decimal>`)
 * is byte-identical either way. Anything else (floats, negatives, "01", "1e9", booleans) is 70005.
 */

export const V2_VERSION = '2.0';

export interface V2Fields {
  identifier: string;
  sdkAppId: number;
  time: number;
  expire: number;
  /** `TLS.userbuf` exactly as it appears in the document (standard base64), when present. */
  userbufBase64?: string;
  userbuf?: Buffer;
  sig: string;
}

function badContent(reason: string): UserSigError {
  return new UserSigError(UserSigErrorCodes.BAD_CONTENT, reason);
}

function readInteger(doc: Record<string, unknown>, key: string, max: number): number {
  const raw = own(doc, key);
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && CANONICAL_DECIMAL.test(raw)) value = Number(raw);
  else throw badContent(raw === undefined ? `${key} missing` : `${key} is not an integer`);
  if (!Number.isSafeInteger(value) || value < 0 || value > max) throw badContent(`${key} out of range`);
  return value;
}

/** Validates a decoded v2 document and extracts its fields (throws 70005). */
export function parseV2Fields(doc: Record<string, unknown>): V2Fields {
  if (own(doc, 'TLS.ver') !== V2_VERSION) throw badContent('TLS.ver is not "2.0"');
  const identifier = own(doc, 'TLS.identifier');
  if (typeof identifier !== 'string') throw badContent('TLS.identifier missing or not a string');
  if (identifier.length === 0 || hasControlChars(identifier)) throw badContent('TLS.identifier is empty or has control characters');
  const sdkAppId = readInteger(doc, 'TLS.sdkappid', MAX_SDKAPPID);
  const time = readInteger(doc, 'TLS.time', MAX_TIME_VALUE);
  const expire = readInteger(doc, 'TLS.expire', MAX_TIME_VALUE);
  const sig = own(doc, 'TLS.sig');
  if (typeof sig !== 'string') throw badContent('TLS.sig missing or not a string');

  const fields: V2Fields = { identifier, sdkAppId, time, expire, sig };
  if (has(doc, 'TLS.userbuf')) {
    const userbufBase64 = own(doc, 'TLS.userbuf');
    if (typeof userbufBase64 !== 'string') throw badContent('TLS.userbuf is not a string');
    const userbuf = decodeStrictBase64(userbufBase64);
    if (userbuf === undefined) throw badContent('TLS.userbuf is not base64');
    fields.userbufBase64 = userbufBase64;
    fields.userbuf = userbuf;
  }
  return fields;
}

/** The exact string that is HMAC'd (reference §1.1 step 1). */
export function v2Content(fields: Omit<V2Fields, 'sig' | 'userbuf'>): string {
  let content =
    `TLS.identifier:${fields.identifier}\n` +
    `TLS.sdkappid:${fields.sdkAppId}\n` +
    `TLS.time:${fields.time}\n` +
    `TLS.expire:${fields.expire}\n`;
  if (fields.userbufBase64 !== undefined) content += `TLS.userbuf:${fields.userbufBase64}\n`;
  return content;
}

/** base64std(HMAC-SHA256(key as UTF-8 bytes — never hex-decoded, content)). */
export function v2Signature(key: string, content: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(content, 'utf8').digest('base64');
}

/** Constant-time check of `TLS.sig` against the HMAC recomputed from the document's own fields. */
export function v2SignatureMatches(fields: V2Fields, key: string): boolean {
  const computed = Buffer.from(v2Signature(key, v2Content(fields)), 'utf8');
  return constantTimeEqual(computed, Buffer.from(fields.sig, 'utf8'));
}

export interface GenUserSigOptions {
  sdkAppId: number;
  /** The console SecretKey, used as UTF-8 bytes. */
  key: string;
  identifier: string;
  expireSeconds: number;
  /** Unix seconds; defaults to the current time. */
  now?: number;
  userbuf?: Buffer;
}

/**
 * Generates a TLSSigAPIv2 UserSig. JSON key order and zlib level follow the official Node library
 * (ver, identifier, sdkappid, time, expire, [userbuf], sig; default level), so the output is
 * byte-identical to it for the same inputs.
 */
export function genUserSig(opts: GenUserSigOptions): string {
  const time = checkGenInputs(opts);
  if (typeof opts.key !== 'string' || opts.key.length === 0) throw new RangeError('key must be a non-empty string');
  const userbufBase64 = opts.userbuf === undefined ? undefined : opts.userbuf.toString('base64');
  const fields = { identifier: opts.identifier, sdkAppId: opts.sdkAppId, time, expire: opts.expireSeconds, userbufBase64 };
  const sig = v2Signature(opts.key, v2Content(fields));

  const doc: Record<string, string | number> = {
    'TLS.ver': V2_VERSION,
    'TLS.identifier': opts.identifier,
    'TLS.sdkappid': opts.sdkAppId,
    'TLS.time': time,
    'TLS.expire': opts.expireSeconds,
  };
  if (userbufBase64 !== undefined) doc['TLS.userbuf'] = userbufBase64;
  doc['TLS.sig'] = sig;
  return encodeUserSigJson(JSON.stringify(doc));
}
