import { parseSdkAppId } from '@meridian/contracts';

/** Readers of the console API's JSON bodies: each refuses bad input with a sentence (HTTP 400, nothing changed). */
export type Json = Record<string, unknown>;

/** A request the console refuses with a message for the operator (HTTP 400, nothing changed). */
export class BadInput extends Error {}

export const USER_ID = /^[A-Za-z0-9_@.-]{1,32}$/;

export function appId(s: string): number {
  const n = parseSdkAppId(s);
  if (n === undefined) throw new BadInput('SDKAppID: an unsigned 32-bit integer');
  return n;
}

export function str(o: Json, key: string, min: number, max: number): string {
  const v = o[key];
  if (typeof v !== 'string') {
    if (min === 0 && v === undefined) return '';
    throw new BadInput(`${key}: required`);
  }
  if (v.length < min || v.length > max) throw new BadInput(min > 0 && !v.length ? `${key}: required` : `${key}: ${min}-${max} characters`);
  return v;
}

export function userId(o: Json, key: string): string {
  const v = str(o, key, 1, 32);
  if (!USER_ID.test(v)) throw new BadInput(`${key}: 1-32 letters, digits, _ @ . -`);
  return v;
}

export function int(o: Json, key: string, min: number, max: number): number {
  const v = o[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new BadInput(`${key}: a whole number from ${min} to ${max}`);
  return n;
}

export function strList(o: Json, key: string): string[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadInput(`${key}: a list of strings`);
  return (v as string[]).map((s) => s.trim()).filter(Boolean);
}
