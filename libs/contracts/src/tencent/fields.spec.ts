import { z } from 'zod';
import { ErrorCode, MeridianError } from '../errors';
import { account, accountList, flag, item, list, msgBody, oneOf, parseTencent, requiredUint, stringMap, uint } from './fields';

/** The code and message parseTencent throws for a body. */
function refusal(schema: z.ZodType, body: unknown, invalid?: number): { code: number; message: string } {
  try {
    parseTencent(schema, body, invalid);
  } catch (err) {
    if (MeridianError.is(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('accepted');
}

describe('parseTencent', () => {
  const schema = z.object({ UserID: account(), Accounts: accountList({ max: 2 }).optional(), Level: uint({ max: 9 }), Flag: flag() });

  it('answers the parsed body', () => {
    expect(parseTencent(schema, { UserID: 'a', Level: 3 })).toEqual({ UserID: 'a', Level: 3, Flag: false });
  });

  it('refuses an account with 70402 when missing or malformed and 60015 when not a string', () => {
    expect(refusal(schema, {})).toEqual({ code: ErrorCode.INVALID_PARAMETER, message: 'UserID is required' });
    expect(refusal(schema, { UserID: 'a:b' }).code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(refusal(schema, { UserID: 5 }).code).toBe(ErrorCode.ACCOUNT_NOT_STRING);
  });

  it("uses the row's invalid-parameter code for a field without its own", () => {
    expect(refusal(schema, { UserID: 'a', Level: 10 }, ErrorCode.SNS_INVALID_PARAMETER).code).toBe(ErrorCode.SNS_INVALID_PARAMETER);
    expect(refusal(schema, { UserID: 'a', Flag: 2 }).message).toBe('Flag must be 0 or 1');
  });

  it('refuses a list of the wrong size with 70206 and a bad item with its own code, naming the item', () => {
    expect(refusal(schema, { UserID: 'a', Accounts: [] }).code).toBe(ErrorCode.INVALID_BATCH_COUNT);
    expect(refusal(schema, { UserID: 'a', Accounts: ['a', 'b', 'c'] }).code).toBe(ErrorCode.INVALID_BATCH_COUNT);
    const bad = refusal(schema, { UserID: 'a', Accounts: ['a', 7] });
    expect(bad.code).toBe(ErrorCode.ACCOUNT_NOT_STRING);
    expect(bad.message).toContain('[1]');
  });

  it('reports the first refused field in schema order', () => {
    expect(refusal(schema, { UserID: 5, Level: -1 }).code).toBe(ErrorCode.ACCOUNT_NOT_STRING);
  });
});

describe('fields', () => {
  it('item: a non-object entry gets the code given, a bad field its own', () => {
    const s = z.object({ L: list(item({ To_Account: account() }, ErrorCode.INVALID_PARAMETER), { max: 5, count: ErrorCode.ACCOUNT_COUNT_OVER_LIMIT }) });
    expect(refusal(s, { L: ['x'] }).code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(refusal(s, { L: [{ To_Account: 1 }] }).code).toBe(ErrorCode.ACCOUNT_NOT_STRING);
    expect(refusal(s, { L: Array(6).fill({ To_Account: 'a' }) }).code).toBe(ErrorCode.ACCOUNT_COUNT_OVER_LIMIT);
  });

  it('uint accepts a string of digits only where Tencent does (fromString)', () => {
    expect(parseTencent(z.object({ T: uint({ fromString: true }) }), { T: '1700000000' })).toEqual({ T: 1_700_000_000 });
    expect(refusal(z.object({ T: uint() }), { T: '17' }).code).toBe(ErrorCode.INVALID_PARAMETER);
    expect(refusal(z.object({ T: uint({ fromString: true }) }), { T: '1.5' }).code).toBe(ErrorCode.INVALID_PARAMETER);
  });

  it('requiredUint, oneOf and stringMap name their faults with the codes given', () => {
    expect(refusal(z.object({ R: requiredUint({ missing: ErrorCode.MSG_RANDOM_INVALID }) }), {}).code).toBe(ErrorCode.MSG_RANDOM_INVALID);
    expect(refusal(z.object({ T: oneOf([1, 2] as const) }), { T: 3 }).message).toBe('T must be one of 1, 2');
    expect(refusal(z.object({ A: stringMap(ErrorCode.PUSH_ATTR_INVALID, { required: true }) }), { A: { x: 1 } }).code).toBe(ErrorCode.PUSH_ATTR_INVALID);
  });

  it("msgBody refuses with validateMsgBody's codes", () => {
    expect(refusal(z.object({ MsgBody: msgBody(ErrorCode.MSG_TOO_LONG_REST) }), { MsgBody: [] }).code).toBe(ErrorCode.MSG_BODY_NOT_ARRAY);
    expect(refusal(z.object({ MsgBody: msgBody(ErrorCode.MSG_TOO_LONG_REST) }), { MsgBody: [{ MsgType: 'x' }] }).code).toBe(ErrorCode.MSG_ELEMENT_INVALID);
  });
});
