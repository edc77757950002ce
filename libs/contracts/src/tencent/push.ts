import { z } from 'zod';
import { ErrorCode } from '../errors';
import { account, accountList, item, list, msgBody, object, requiredUint, stringMap, strings, uint } from './fields';

/** all_member_push: push to all users or audiences, and the attribute and tag commands. */
const AUDIENCE_BATCH = 100;
/** Tencent answers a batch of the wrong size here with 90018. */
const audience = { max: AUDIENCE_BATCH, count: ErrorCode.ACCOUNT_COUNT_OVER_LIMIT };

export const pushAccountsSchema = z.object({ To_Account: accountList(audience) });

export const setAttrNamesSchema = z.object({ AttrNames: stringMap(ErrorCode.PUSH_ATTR_INVALID, { required: true }) });

export const setUserAttrsSchema = z.object({
  UserAttrs: list(item({ To_Account: account(), Attrs: stringMap(ErrorCode.PUSH_ATTR_INVALID, { required: true }) }), audience),
});

export const removeUserAttrsSchema = z.object({ UserAttrs: list(item({ To_Account: account(), Attrs: strings(undefined, { required: true }) }), audience) });

export const userTagsSchema = z.object({ UserTags: list(item({ To_Account: account(), Tags: strings(undefined, { required: true }) }), audience) });

export const imPushSchema = z.object({
  /** Defaults to the calling admin. */
  From_Account: account({ invalid: ErrorCode.ACCOUNT_NOT_STRING }).optional(),
  MsgRandom: requiredUint(),
  MsgLifeTime: uint({ max: 604_800 }),
  MsgBody: msgBody(ErrorCode.MSG_TOO_LONG_REST),
  OfflinePushInfo: object(),
  Condition: item({ AttrsAnd: stringMap(), AttrsOr: stringMap(), TagsAnd: strings(), TagsOr: strings() }).optional(),
});
