import { createHash } from 'node:crypto';

/** Tencent's callback signature: lowercase hex of SHA-256 over token + RequestTime (unix seconds). */
export function callbackSign(token: string, requestTime: number | string): string {
  return createHash('sha256').update(`${token}${requestTime}`).digest('hex');
}
