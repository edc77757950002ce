import { z } from 'zod';
import { ErrorCode } from '../errors';
import { account, accountList } from './fields';

/** Profiles (v4/profile/*; `profile.get` / `profile.set` for clients): faults are 40001 unless an account's. */
const PORTRAIT_GET_MAX = 100;
const P = ErrorCode.PROFILE_INVALID_PARAMETER;

/** TagList: a non-empty array of tag names. */
export const tagList = z.unknown().transform((v, ctx): string[] => {
  if (Array.isArray(v) && v.length && v.every((t) => typeof t === 'string')) return v as string[];
  ctx.addIssue({ code: 'custom', message: 'must be a non-empty array of tags', params: { tencent: P } });
  return z.NEVER;
});

/** ProfileItem: a non-empty [{Tag, Value}] with Tencent-typed values (strings as JSON strings, integers as numbers). */
export const profileItems = z.unknown().transform((v, ctx): { Tag: string; Value: unknown }[] => {
  const fault = (message: string) => {
    ctx.addIssue({ code: 'custom', message, params: { tencent: P } });
    return z.NEVER;
  };
  if (!Array.isArray(v) || !v.length) return fault('must be a non-empty array');
  for (const item of v) {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || typeof (item as Record<string, unknown>)['Tag'] !== 'string' || (item as Record<string, unknown>)['Value'] === undefined) {
      return fault('entries are {Tag, Value}');
    }
  }
  return v as { Tag: string; Value: unknown }[];
});

// A malformed or missing account is the profile service's bad parameter (40001), as it answers itself.
export const portraitGetSchema = z.object({ To_Account: accountList({ max: PORTRAIT_GET_MAX, invalid: P }), TagList: tagList });
export const portraitSetSchema = z.object({ From_Account: account({ missing: P, invalid: P }), ProfileItem: profileItems });

export const wsProfileGetSchema = z.object({ userIds: accountList({ max: PORTRAIT_GET_MAX, invalid: ErrorCode.INVALID_PARAMETER }), tags: tagList });
export const wsProfileSetSchema = z.object({ items: profileItems });
