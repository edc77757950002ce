import { createHmac, timingSafeEqual } from 'node:crypto';

export type HistoryChatType = 'C2C' | 'Group';

/** What a get_history download URL grants: one app's file of one hour, until `expiresAt`. */
export interface HistoryGrant {
  sdkAppId: number;
  chatType: HistoryChatType;
  /** Start of the UTC hour, unix seconds. */
  hourStart: number;
  /** Unix seconds. */
  expiresAt: number;
  /** The gzip file as get_history described it: the download is checked against both. */
  gzipSize: number;
  gzipMd5: string;
}

export type TokenCheck = { ok: true; grant: HistoryGrant } | { ok: false; reason: 'invalid' | 'expired' };

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`meridian-history:${payload}`).digest('base64url');

/**
 * The download token: "<sdkAppId>.<C|G>.<hourStart>.<expiresAt>.<gzipSize>.<gzipMd5>.<HMAC-SHA256>"
 * (URL-safe). Like a COS pre-signed URL it needs no UserSig: whoever holds it may download until it
 * expires, and any change to it breaks the MAC.
 */
export function signHistoryToken(secret: string, g: HistoryGrant): string {
  const payload = [g.sdkAppId, g.chatType === 'C2C' ? 'C' : 'G', g.hourStart, g.expiresAt, g.gzipSize, g.gzipMd5].join('.');
  return `${payload}.${mac(secret, payload)}`;
}

export function verifyHistoryToken(secret: string, token: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 7) return { ok: false, reason: 'invalid' };
  const payload = parts.slice(0, 6).join('.');
  const given = Buffer.from(parts[6]!);
  const expected = Buffer.from(mac(secret, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  const [app, type, hour, exp, size, md5] = parts as [string, string, string, string, string, string];
  const grant: HistoryGrant = { sdkAppId: Number(app), chatType: type === 'C' ? 'C2C' : 'Group', hourStart: Number(hour), expiresAt: Number(exp), gzipSize: Number(size), gzipMd5: md5 };
  if (grant.expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, grant };
}
