import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import type { relationshipV1 } from '@meridian/proto';
import { uintField } from '../../rest/body';
import type { JsonObject } from '@meridian/contracts';
import { originOf, runRow, type EdgeCall, type EdgeRow } from '../edge-command';
import { checkedByHandler } from '../legacy-body';

const BATCH_MAX = 1000;

/** The relationship service's "bad parameters" code (30001); 60015 when an account is not a string. */
function owner(body: JsonObject): string {
  const v = body['From_Account'];
  if (v === undefined) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'From_Account is required');
  if (typeof v !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'From_Account must be a string');
  if (!isValidUserId(v)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'From_Account is not a valid account');
  return v;
}

function targets(body: JsonObject): string[] {
  const v = body['To_Account'];
  if (!Array.isArray(v) || v.length < 1 || v.length > BATCH_MAX) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `To_Account must be an array of 1-${BATCH_MAX} accounts`);
  if (!v.every((t) => typeof t === 'string')) throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'To_Account entries must be strings');
  return v as string[];
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function objects(body: JsonObject, name: string): JsonObject[] {
  const v = body[name];
  if (!Array.isArray(v) || v.length < 1 || v.length > BATCH_MAX || !v.every(isObject)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `${name} must be an array of 1-${BATCH_MAX} objects`);
  return v;
}

function str(item: JsonObject, name: string, required = false): string {
  const v = item[name];
  if (v === undefined && !required) return '';
  if (typeof v !== 'string') throw new MeridianError(name.endsWith('Account') ? ErrorCode.ACCOUNT_NOT_STRING : ErrorCode.SNS_INVALID_PARAMETER, `${name} must be a string`);
  return v;
}

function names(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((g) => typeof g === 'string')) return v as string[];
  throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `${name} must be a string or an array of strings`);
}

function addItems(body: JsonObject, requireSource: boolean): relationshipV1.FriendAddItem[] {
  return objects(body, 'AddFriendItem').map((i) => {
    const addSource = str(i, 'AddSource', requireSource);
    return {
      toAccount: str(i, 'To_Account', true),
      remark: str(i, 'Remark'),
      groupNames: names(i['GroupName'], 'GroupName'),
      addSource,
      addWording: str(i, 'AddWording'),
      // Tag_SNS_IM_AddTime is an integer (unix seconds); anything else is refused, not replaced by now.
      addTime: String(uintField(i, 'AddTime', ErrorCode.SNS_INVALID_PARAMETER) ?? 0),
    };
  });
}

const value = (json: string): unknown => JSON.parse(json) as unknown;
const tagValues = (items: relationshipV1.SnsItem[]) => items.map((i) => ({ Tag: i.tag, Value: value(i.valueJson) }));

const resultItems = (items: relationshipV1.AccountResultItem[]) => items.map((r) => ({ To_Account: r.toAccount, ResultCode: r.resultCode, ResultInfo: r.resultInfo }));

const rel = (c: EdgeCall) => c.deps.clients.service<relationshipV1.RelationshipServiceClient>('relationship', c.homeRegion);

async function friendAdd(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const from = owner(body);
  const items = addItems(body, false);
  const addType = body['AddType'] === undefined ? 'Add_Type_Both' : body['AddType'];
  if (addType !== 'Add_Type_Both' && addType !== 'Add_Type_Single') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'AddType is Add_Type_Both or Add_Type_Single');
  const force = body['ForceAddFlags'];
  if (force !== undefined && force !== 0 && force !== 1) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'ForceAddFlags is 0 or 1');
  const res = await rel(c).addFriends({ sdkAppId: c.sdkAppId, fromAccount: from, items, addType, force: force === 1, origin: originOf(c) });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

async function friendImport(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).importFriends({ sdkAppId: c.sdkAppId, fromAccount: owner(body), items: addItems(body, true) });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

async function friendUpdate(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const from = owner(body);
  const updates = objects(body, 'UpdateItem').map((u) => {
    const items = u['SnsItem'];
    if (!Array.isArray(items) || !items.every(isObject)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'SnsItem must be an array of {Tag, Value}');
    return { toAccount: str(u, 'To_Account', true), items: items.map((i) => ({ tag: str(i, 'Tag', true), valueJson: JSON.stringify(i['Value'] ?? null) })) };
  });
  const res = await rel(c).updateFriends({ sdkAppId: c.sdkAppId, fromAccount: from, updates });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

async function friendDelete(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).deleteFriends({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), deleteType: str(body, 'DeleteType'), origin: originOf(c) });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

async function friendDeleteAll(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  await rel(c).deleteAllFriends({ sdkAppId: c.sdkAppId, fromAccount: owner(body), deleteType: str(body, 'DeleteType'), origin: originOf(c) });
  return {};
}

async function friendCheck(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).checkFriends({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), checkType: str(body, 'CheckType', true) });
  return {
    InfoItem: res.relations.map((r) => ({ To_Account: r.toAccount, Relation: r.relation, ResultCode: r.resultCode, ResultInfo: r.resultInfo })),
    Fail_Account: res.failAccounts,
  };
}

/** The friend list by pages; an up-to-date StandardSequence leaves the fields out. */
async function friendGet(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).getFriends({
    sdkAppId: c.sdkAppId,
    fromAccount: owner(body),
    startIndex: uintField(body, 'StartIndex', ErrorCode.SNS_INVALID_PARAMETER) ?? 0,
    standardSequence: String(uintField(body, 'StandardSequence', ErrorCode.SNS_INVALID_PARAMETER, { max: Number.MAX_SAFE_INTEGER }) ?? 0),
    limit: 0,
  });
  return {
    UserDataItem: res.friends.map((f) => ({ To_Account: f.toAccount, ValueItem: tagValues(f.items) })),
    StandardSequence: Number(res.standardSequence),
    CustomSequence: 0,
    FriendNum: res.friendNum,
    CompleteFlag: res.complete ? 1 : 0,
    NextStartIndex: res.nextStartIndex,
  };
}

async function friendGetList(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const tags = body['TagList'];
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'TagList must be an array of tags');
  const res = await rel(c).getFriendsByIds({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), tags: (tags as string[] | undefined) ?? [] });
  return {
    InfoItem: res.friends.map((f) => ({ To_Account: f.toAccount, SnsProfileItem: tagValues(f.items), ResultCode: f.resultCode, ResultInfo: f.resultInfo })),
    Fail_Account: res.failAccounts,
  };
}

async function groupAdd(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const from = owner(body);
  const groupNames = names(body['GroupName'], 'GroupName');
  const friends = body['To_Account'] === undefined ? [] : targets(body);
  const res = await rel(c).addFriendGroups({ sdkAppId: c.sdkAppId, fromAccount: from, groupNames, toAccounts: friends });
  return { ...(friends.length ? { ResultItem: resultItems(res.results) } : {}), Fail_Account: res.failAccounts, CurrentSequence: Number(res.sequence) };
}

async function groupDelete(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).deleteFriendGroups({ sdkAppId: c.sdkAppId, fromAccount: owner(body), groupNames: names(body['GroupName'], 'GroupName') });
  return { CurrentSequence: Number(res.sequence) };
}

async function groupGet(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const need = body['NeedFriend'];
  if (need !== undefined && need !== 'Need_Friend_Type_Yes' && need !== 'Need_Friend_Type_No')
    throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'NeedFriend is Need_Friend_Type_Yes or Need_Friend_Type_No');
  const res = await rel(c).getFriendGroups({
    sdkAppId: c.sdkAppId,
    fromAccount: owner(body),
    needFriends: need === 'Need_Friend_Type_Yes',
    groupNames: names(body['GroupName'], 'GroupName'),
  });
  return {
    ResultItem: res.groups.map((g) => ({ GroupName: g.name, FriendNumber: g.friendNumber, ...(need === 'Need_Friend_Type_Yes' ? { To_Account: g.toAccounts } : {}) })),
    CurrentSequence: Number(res.sequence),
  };
}

async function blacklistAdd(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).addBlacklist({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), origin: originOf(c) });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

async function blacklistDelete(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).deleteBlacklist({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), origin: originOf(c) });
  return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
}

/** A page of the blacklist; StartIndex 0 in the answer means the last page was reached. */
async function blacklistGet(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const res = await rel(c).getBlacklist({
    sdkAppId: c.sdkAppId,
    fromAccount: owner(body),
    startIndex: uintField(body, 'StartIndex', ErrorCode.SNS_INVALID_PARAMETER) ?? 0,
    maxLimited: uintField(body, 'MaxLimited', ErrorCode.SNS_INVALID_PARAMETER) ?? 100,
  });
  const seq = Number(res.sequence);
  return {
    BlackListItem: res.entries.map((e) => ({ To_Account: e.toAccount, AddBlackTimeStamp: Number(e.addedAt) })),
    StartIndex: res.nextStartIndex,
    // Tencent's wire name is misspelt; the correct spelling is sent too for libraries that use it.
    CurruentSequence: seq,
    CurrentSequence: seq,
  };
}

async function blacklistCheck(c: EdgeCall, body: JsonObject): Promise<JsonObject> {
  const type = body['CheckType'];
  if (typeof type !== 'string') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'CheckType is required');
  const res = await rel(c).checkBlacklist({ sdkAppId: c.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), checkType: type });
  return {
    BlackListCheckItem: res.relations.map((r) => ({ To_Account: r.toAccount, Relation: r.relation, ResultCode: r.resultCode, ResultInfo: r.resultInfo })),
    Fail_Account: res.failAccounts,
  };
}

/** SNS_COMMANDS: the relationship chain over REST (v4/sns/*): friends, friend lists and blacklists. */
export const SNS_COMMANDS: EdgeRow[] = [
  runRow({
    rest: 'sns/black_list_add',
    service: 'relationship',
    schema: checkedByHandler,
    doc: "`From_Account`, `To_Account` ≤ 1000 → `ResultItem:[{To_Account, ResultCode, ResultInfo}]`, `Fail_Account` (30001 already listed / not listed / self, 30003 no such account, 30013 over 1000); a blacklisted user's client messages to the owner fail with 20007",
    run: blacklistAdd,
  }),
  runRow({
    rest: 'sns/black_list_delete',
    service: 'relationship',
    schema: checkedByHandler,
    doc: "`From_Account`, `To_Account` ≤ 1000 → `ResultItem:[{To_Account, ResultCode, ResultInfo}]`, `Fail_Account` (30001 already listed / not listed / self, 30003 no such account, 30013 over 1000); a blacklisted user's client messages to the owner fail with 20007",
    run: blacklistDelete,
  }),
  runRow({
    rest: 'sns/black_list_get',
    service: 'relationship',
    schema: checkedByHandler,
    doc: "`From_Account`, `StartIndex`, `MaxLimited` → `BlackListItem:[{To_Account, AddBlackTimeStamp}]`, `StartIndex` (0 = last page), `CurruentSequence` (Tencent's spelling; `CurrentSequence` too)",
    run: blacklistGet,
  }),
  runRow({
    rest: 'sns/black_list_check',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`From_Account`, `To_Account` ≤ 1000, `CheckType` (`BlackCheckResult_Type_Single` \\| `_Both`) → `BlackListCheckItem:[{To_Account, Relation, ResultCode, ResultInfo}]`',
    run: blacklistCheck,
  }),
  runRow({
    rest: 'sns/friend_add',
    service: 'relationship',
    schema: checkedByHandler,
    doc: "`From_Account`, `AddFriendItem:[{To_Account, Remark?, GroupName?, AddSource?, AddWording?}]` ≤ 1000, `AddType?` (`Add_Type_Both` default \\| `_Single`), `ForceAddFlags?` → `ResultItem`, `Fail_Account`: 0 added (target's AllowType AllowAny, or forced), 30539 pending (NeedConfirm: the target answers with `friend.respond`), 30516 DenyAny, 30515/30525 blacklist either side, 30001 exists/self/bad item, 30003 no such account, 30010/30014 friend limits, 30012 pending limit, 30009 AdminForbid SendOut",
    run: friendAdd,
  }),
  runRow({ rest: 'sns/friend_import', service: 'relationship', schema: checkedByHandler, doc: 'as friend_add, one way, no verification; `AddSource` required, `AddTime?`', run: friendImport }),
  runRow({
    rest: 'sns/friend_update',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`UpdateItem:[{To_Account, SnsItem:[{Tag, Value}]}]` (`Tag_SNS_IM_Remark` ≤ 96 B, `Tag_SNS_IM_Group` names) → `ResultItem` (31704 not a friend)',
    run: friendUpdate,
  }),
  runRow({
    rest: 'sns/friend_delete',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`To_Account` ≤ 1000 (delete), `DeleteType?` (`Delete_Type_Single` default \\| `_Both`) → `ResultItem` (31704)',
    run: friendDelete,
  }),
  runRow({
    rest: 'sns/friend_delete_all',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`To_Account` ≤ 1000 (delete), `DeleteType?` (`Delete_Type_Single` default \\| `_Both`) → `ResultItem` (31704)',
    run: friendDeleteAll,
  }),
  runRow({
    rest: 'sns/friend_check',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`To_Account` ≤ 1000, `CheckType` (`CheckResult_Type_Single` \\| `_Both`) → `InfoItem:[{To_Account, Relation, ResultCode, ResultInfo}]`',
    run: friendCheck,
  }),
  runRow({
    rest: 'sns/friend_get',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`StartIndex`, `StandardSequence?` → `UserDataItem:[{To_Account, ValueItem:[{Tag, Value}]}]` (fields left out when the sequence is current), `StandardSequence`, `FriendNum`, `CompleteFlag`, `NextStartIndex`; 100 per page',
    run: friendGet,
  }),
  runRow({
    rest: 'sns/friend_get_all',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`StartIndex`, `StandardSequence?` → `UserDataItem:[{To_Account, ValueItem:[{Tag, Value}]}]` (fields left out when the sequence is current), `StandardSequence`, `FriendNum`, `CompleteFlag`, `NextStartIndex`; 100 per page',
    run: friendGet,
  }),
  runRow({
    rest: 'sns/friend_get_list',
    service: 'relationship',
    schema: checkedByHandler,
    doc: '`To_Account` ≤ 100, `TagList` (`Tag_SNS_IM_*` and `Tag_Profile_*`) → `InfoItem:[{To_Account, SnsProfileItem, ResultCode, ResultInfo}]`',
    run: friendGetList,
  }),
  runRow({
    rest: 'sns/group_add',
    service: 'relationship',
    schema: checkedByHandler,
    doc: 'friend lists: `GroupName[]` (≤ 32 lists, names ≤ 30 B; 30011), `To_Account?` to file friends, `NeedFriend` → `ResultItem:[{GroupName, FriendNumber, To_Account?}]`, `CurrentSequence`',
    run: groupAdd,
  }),
  runRow({
    rest: 'sns/group_delete',
    service: 'relationship',
    schema: checkedByHandler,
    doc: 'friend lists: `GroupName[]` (≤ 32 lists, names ≤ 30 B; 30011), `To_Account?` to file friends, `NeedFriend` → `ResultItem:[{GroupName, FriendNumber, To_Account?}]`, `CurrentSequence`',
    run: groupDelete,
  }),
  runRow({
    rest: 'sns/group_get',
    service: 'relationship',
    schema: checkedByHandler,
    doc: 'friend lists: `GroupName[]` (≤ 32 lists, names ≤ 30 B; 30011), `To_Account?` to file friends, `NeedFriend` → `ResultItem:[{GroupName, FriendNumber, To_Account?}]`, `CurrentSequence`',
    run: groupGet,
  }),
];
