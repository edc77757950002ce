/**
 * Identifier rules shared by every face (REST, WebSocket, gRPC).
 *
 * UserID: 1-32 bytes (Tencent's limit) of printable ASCII without space and ':'. Tencent's own
 * documents disagree on the charset (letters/digits vs [A-Za-z0-9_-] vs printable ASCII); we take
 * the widest that keeps conversation ids (`c2c:<a>:<b>`) unambiguous.
 */
export const USER_ID_MAX_BYTES = 32;
const USER_ID_RE = /^[\x21-\x39\x3b-\x7e]{1,32}$/;

export function isValidUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_RE.test(value);
}

/** SDKAppID: an unsigned 32-bit integer greater than zero. */
export function isValidSdkAppId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 0xffffffff;
}

/** Parses a decimal SDKAppID from a query string; undefined when it is not one. */
export function parseSdkAppId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[0-9]{1,10}$/.test(raw)) return undefined;
  const n = Number(raw);
  return isValidSdkAppId(n) ? n : undefined;
}

/** Tencent platform names, grouped into the classes the multi-device policies speak of. */
export const PLATFORMS = ['iPhone', 'Android', 'iPad', 'PC', 'Mac', 'Linux', 'Web'] as const;
export type Platform = (typeof PLATFORMS)[number];
export type PlatformClass = 'mobile' | 'desktop' | 'web';

export function platformClass(platform: Platform): PlatformClass {
  if (platform === 'Web') return 'web';
  if (platform === 'PC' || platform === 'Mac' || platform === 'Linux') return 'desktop';
  return 'mobile';
}

export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

/**
 * A constant table's entry for a key that came from input. Plain indexing answers inherited
 * members for `__proto__`, `constructor` or `toString` (a `Type: "__proto__"` once reached the
 * group rules as Object.prototype and failed with a TypeError); this answers own entries only.
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
