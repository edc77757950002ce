import { z } from 'zod';
import { account, flag, oneOf, uint } from './fields';

/** recentcontact: conversation lists. */
export const recentContactListSchema = z.object({
  From_Account: account(),
  TimeStamp: uint(),
  StartIndex: uint(),
  TopTimeStamp: uint(),
  TopStartIndex: uint(),
  AssistFlags: uint(),
});

export const recentContactDeleteSchema = z.object({
  From_Account: account(),
  Type: oneOf([1, 2] as const),
  /** Read when Type is 1. */
  To_Account: z.unknown().optional(),
  /** Tencent's spelling (ToGroupId is read as an alias); read when Type is 2. */
  ToGroupid: z.unknown().optional(),
  ClearRamble: flag(),
});

export const c2cPeerSchema = z.object({ To_Account: account() });
