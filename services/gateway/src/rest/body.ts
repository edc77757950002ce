import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import type { JsonObject } from './rest.types';

/**
 * Readers for Tencent request bodies: each names the field it rejects and uses Tencent's codes
 * (60015 when an account field is not a string, 70402 for other invalid parameters, 70206 for a
 * batch of the wrong size). Accepts the old field names Tencent documents as aliases.
 */
export function firstPresent(body: JsonObject, names: string[]): [string, unknown] | undefined {
  for (const n of names) if (body[n] !== undefined) return [n, body[n]];
  return undefined;
}

/** `invalidCode` is the owning service's "bad parameter" code for a malformed account (default 70402). */
export function accountField(body: JsonObject, names: string[], missingCode: number = ErrorCode.INVALID_PARAMETER, invalidCode: number = ErrorCode.INVALID_PARAMETER): string {
  const found = firstPresent(body, names);
  if (!found) throw new MeridianError(missingCode, `${names[0]} is required`);
  const [name, value] = found;
  if (typeof value !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, `${name} must be a string`);
  if (!isValidUserId(value)) throw new MeridianError(invalidCode, `${name} must be 1-32 bytes of printable ASCII without ':'`);
  return value;
}

/**
 * An unsigned integer field (at most `max`, default u32): undefined when absent unless required;
 * `code` is the service's "bad parameter" code.
 */
export function uintField(body: JsonObject, name: string, code: number = ErrorCode.INVALID_PARAMETER, opts: { required?: boolean; max?: number } = {}): number | undefined {
  const v = body[name];
  const max = opts.max ?? 0xffffffff;
  if (v === undefined) {
    if (opts.required) throw new MeridianError(code, `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new MeridianError(code, `${name} must be an integer in 0-${max}`);
  return v;
}

export function optionalString(body: JsonObject, name: string, maxBytes: number): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} must be a string`);
  if (Buffer.byteLength(value) > maxBytes) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} is longer than ${maxBytes} bytes`);
  return value;
}

export function batch(body: JsonObject, name: string, max: number, invalidCode: number = ErrorCode.INVALID_PARAMETER): unknown[] {
  const value = body[name];
  if (!Array.isArray(value)) throw new MeridianError(invalidCode, `${name} must be an array`);
  if (value.length < 1 || value.length > max) throw new MeridianError(ErrorCode.INVALID_BATCH_COUNT, `${name} must hold 1-${max} items`);
  return value;
}

/** An array of account ids (strings), e.g. To_Account or Accounts; `invalidCode` as in accountField. */
export function accountList(body: JsonObject, name: string, max: number, invalidCode: number = ErrorCode.INVALID_PARAMETER): string[] {
  return batch(body, name, max, invalidCode).map((v) => {
    if (typeof v !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, `${name} entries must be strings`);
    if (!isValidUserId(v)) throw new MeridianError(invalidCode, `invalid account ${JSON.stringify(v)} in ${name}`);
    return v;
  });
}

/** An array of {<key>: account} items, e.g. DeleteItem: [{UserID}]. */
export function accountItems(body: JsonObject, name: string, key: string, max: number): string[] {
  return batch(body, name, max).map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} entries must be objects`);
    }
    return accountField(item as JsonObject, [key]);
  });
}

export function optionalFlag(body: JsonObject, name: string): boolean {
  const value = body[name];
  if (value === undefined) return false;
  if (value !== 0 && value !== 1) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} must be 0 or 1`);
  return value === 1;
}
