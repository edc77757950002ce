import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import {
  CANONICAL_DECIMAL,
  MAX_SDKAPPID,
  MAX_TIME_VALUE,
  checkGenInputs,
  decodeStrictBase64,
  encodeUserSigJson,
  has,
  hasControlChars,
  own,
} from './codec';
import { UserSigError, UserSigErrorCodes } from './errors';

/**
 * Legacy TLSSigAPI v1 (ECDSA over SHA-256, DER signature), reference §1.2. Every field is a JSON
 * string and the signed content uses the strings exactly as they appear in the document.
 */

/** `TLS.version` written by genUserSigV1 (the C++ library's API_VERSION); verification ignores it. */
export const V1_LIBRARY_VERSION = '201803230000';
const DIGITS = /^[0-9]{1,16}$/;

export interface V1Fields {
  /** `TLS.appid_at_3rd` when the key exists in the document (it changes the signed content). */
  appidAt3rd?: string;
  accountType: string;
  identifier: string;
  sdkAppIdText: string;
  sdkAppId: number;
  timeText: string;
  time: number;
  expireAfterText: string;
  expireAfter: number;
  userbufBase64?: string;
  userbuf?: Buffer;
  sig: string;
}

function badContent(reason: string): UserSigError {
  return new UserSigError(UserSigErrorCodes.BAD_CONTENT, reason);
}

function readString(doc: Record<string, unknown>, key: string): string {
  const value = own(doc, key);
  if (typeof value !== 'string') throw badContent(value === undefined ? `${key} missing` : `${key} is not a string`);
  if (hasControlChars(value)) throw badContent(`${key} has control characters`);
  return value;
}

function readDecimal(doc: Record<string, unknown>, key: string, pattern: RegExp, max: number): [string, number] {
  const text = readString(doc, key);
  if (!pattern.test(text)) throw badContent(`${key} is not a decimal string`);
  const value = Number(text);
  if (value > max) throw badContent(`${key} out of range`);
  return [text, value];
}

/** Validates a decoded v1 document and extracts its fields (throws 70005). */
export function parseV1Fields(doc: Record<string, unknown>): V1Fields {
  const withUserbuf = has(doc, 'TLS.userbuf');
  const fields: V1Fields = {
    accountType: readString(doc, 'TLS.account_type'),
    identifier: readString(doc, 'TLS.identifier'),
    sdkAppIdText: '',
    sdkAppId: 0,
    timeText: '',
    time: 0,
    expireAfterText: '',
    expireAfter: 0,
    sig: '',
  };
  if (fields.identifier.length === 0) throw badContent('TLS.identifier is empty');
  [fields.sdkAppIdText, fields.sdkAppId] = readDecimal(doc, 'TLS.sdk_appid', CANONICAL_DECIMAL, MAX_SDKAPPID);
  [fields.timeText, fields.time] = readDecimal(doc, 'TLS.time', DIGITS, MAX_TIME_VALUE);
  [fields.expireAfterText, fields.expireAfter] = readDecimal(doc, 'TLS.expire_after', DIGITS, MAX_TIME_VALUE);
  // With a userbuf the C++ verifier (JsonToUserbufSign) makes appid_at_3rd mandatory.
  if (withUserbuf || has(doc, 'TLS.appid_at_3rd')) fields.appidAt3rd = readString(doc, 'TLS.appid_at_3rd');
  if (withUserbuf) {
    fields.userbufBase64 = readString(doc, 'TLS.userbuf');
    fields.userbuf = decodeStrictBase64(fields.userbufBase64);
    if (fields.userbuf === undefined) throw badContent('TLS.userbuf is not base64');
  }
  fields.sig = readString(doc, 'TLS.sig');
  return fields;
}

/**
 * The exact signed content (reference §1.2): without userbuf, an `appid_at_3rd` line only when that
 * key is in the document, then account_type, identifier, sdk_appid, time, expire_after; with a
 * userbuf all seven lines, appid_at_3rd first and userbuf last.
 */
export function v1Content(fields: Omit<V1Fields, 'sig' | 'userbuf' | 'sdkAppId' | 'time' | 'expireAfter'>): string {
  let content = fields.appidAt3rd === undefined ? '' : `TLS.appid_at_3rd:${fields.appidAt3rd}\n`;
  content +=
    `TLS.account_type:${fields.accountType}\n` +
    `TLS.identifier:${fields.identifier}\n` +
    `TLS.sdk_appid:${fields.sdkAppIdText}\n` +
    `TLS.time:${fields.timeText}\n` +
    `TLS.expire_after:${fields.expireAfterText}\n`;
  if (fields.userbufBase64 !== undefined) content += `TLS.userbuf:${fields.userbufBase64}\n`;
  return content;
}

/** Parsed public keys by PEM text: parsing costs more than a HMAC, and apps have one key each. */
const publicKeys = new Map<string, KeyObject>();
const MAX_CACHED_PUBLIC_KEYS = 256;

/** PEM → EC public key, or 70016 when the configured key is unusable. */
export function ecPublicKey(pem: string): KeyObject {
  let key = publicKeys.get(pem);
  if (key !== undefined) return key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new UserSigError(UserSigErrorCodes.KEY_MISSING, 'configured public key is not a valid PEM key');
  }
  if (key.asymmetricKeyType !== 'ec') {
    throw new UserSigError(UserSigErrorCodes.KEY_MISSING, 'configured public key is not an EC key');
  }
  if (publicKeys.size >= MAX_CACHED_PUBLIC_KEYS) publicKeys.clear();
  publicKeys.set(pem, key);
  return key;
}

/** ECDSA-SHA256 check of `TLS.sig` (standard base64 of a DER signature); any failure is false. */
export function v1SignatureMatches(fields: V1Fields, publicKey: KeyObject): boolean {
  const signature = decodeStrictBase64(fields.sig);
  if (signature === undefined || signature.length === 0) return false;
  try {
    return verify('sha256', Buffer.from(v1Content(fields), 'utf8'), { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

export interface GenUserSigV1Options {
  sdkAppId: number;
  /** EC private key, PKCS#8 or SEC1 PEM (a leading `EC PARAMETERS` block is fine). */
  privateKeyPem: string;
  identifier: string;
  expireSeconds: number;
  /** Unix seconds; defaults to the current time. */
  now?: number;
  /** `TLS.appid_at_3rd`; defaults to "0"; `null` leaves the key out (not allowed with a userbuf). */
  appidAt3rd?: string | null;
  /** `TLS.account_type`; defaults to "0". */
  accountType?: string;
  userbuf?: Buffer;
}

/** Generates a legacy ECDSA UserSig (for tests and migration tooling; production issues v2). */
export function genUserSigV1(opts: GenUserSigV1Options): string {
  const now = checkGenInputs(opts);
  const appidAt3rd = opts.appidAt3rd === undefined ? '0' : opts.appidAt3rd;
  const accountType = opts.accountType ?? '0';
  if (appidAt3rd === null && opts.userbuf !== undefined) throw new RangeError('a v1 userbuf requires appidAt3rd');
  for (const value of [appidAt3rd ?? '', accountType]) {
    if (typeof value !== 'string' || hasControlChars(value)) throw new RangeError('v1 fields must be strings without control characters');
  }
  const privateKey = createPrivateKey(opts.privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ec') throw new RangeError('privateKeyPem must be an EC key');

  const fields = {
    appidAt3rd: appidAt3rd ?? undefined,
    accountType,
    identifier: opts.identifier,
    sdkAppIdText: String(opts.sdkAppId),
    timeText: String(now),
    expireAfterText: String(opts.expireSeconds),
    userbufBase64: opts.userbuf === undefined ? undefined : opts.userbuf.toString('base64'),
  };
  const signature = sign('sha256', Buffer.from(v1Content(fields), 'utf8'), { key: privateKey, dsaEncoding: 'der' });

  // Key order of the official Node library's output.
  const doc: Record<string, string> = {
    'TLS.account_type': fields.accountType,
    'TLS.identifier': fields.identifier,
  };
  if (fields.appidAt3rd !== undefined) doc['TLS.appid_at_3rd'] = fields.appidAt3rd;
  doc['TLS.sdk_appid'] = fields.sdkAppIdText;
  doc['TLS.expire_after'] = fields.expireAfterText;
  doc['TLS.version'] = V1_LIBRARY_VERSION;
  doc['TLS.time'] = fields.timeText;
  if (fields.userbufBase64 !== undefined) doc['TLS.userbuf'] = fields.userbufBase64;
  doc['TLS.sig'] = signature.toString('base64');
  return encodeUserSigJson(JSON.stringify(doc));
}
