import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { uintField } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';
import { restOrigin } from '../../origin';

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

/** The relationship chain over REST (v4/sns/*): friends, friend lists and blacklists. */
@Injectable()
export class SnsCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get relationship() {
    return this.clients.service<relationshipV1.RelationshipServiceClient>('relationship');
  }

  onModuleInit(): void {
    this.registry.register(
      { path: 'sns/black_list_add', handle: (ctx, body) => this.add(ctx, body) },
      { path: 'sns/black_list_delete', handle: (ctx, body) => this.delete(ctx, body) },
      { path: 'sns/black_list_get', handle: (ctx, body) => this.get(ctx, body) },
      { path: 'sns/black_list_check', handle: (ctx, body) => this.check(ctx, body) },
      { path: 'sns/friend_add', handle: (ctx, body) => this.friendAdd(ctx, body) },
      { path: 'sns/friend_import', handle: (ctx, body) => this.friendImport(ctx, body) },
      { path: 'sns/friend_update', handle: (ctx, body) => this.friendUpdate(ctx, body) },
      { path: 'sns/friend_delete', handle: (ctx, body) => this.friendDelete(ctx, body) },
      { path: 'sns/friend_delete_all', handle: (ctx, body) => this.friendDeleteAll(ctx, body) },
      { path: 'sns/friend_check', handle: (ctx, body) => this.friendCheck(ctx, body) },
      { path: 'sns/friend_get', handle: (ctx, body) => this.friendGet(ctx, body) },
      { path: 'sns/friend_get_all', handle: (ctx, body) => this.friendGet(ctx, body) },
      { path: 'sns/friend_get_list', handle: (ctx, body) => this.friendGetList(ctx, body) },
      { path: 'sns/group_add', handle: (ctx, body) => this.groupAdd(ctx, body) },
      { path: 'sns/group_delete', handle: (ctx, body) => this.groupDelete(ctx, body) },
      { path: 'sns/group_get', handle: (ctx, body) => this.groupGet(ctx, body) },
    );
  }

  private async friendAdd(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = owner(body);
    const items = addItems(body, false);
    const addType = body['AddType'] === undefined ? 'Add_Type_Both' : body['AddType'];
    if (addType !== 'Add_Type_Both' && addType !== 'Add_Type_Single') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'AddType is Add_Type_Both or Add_Type_Single');
    const force = body['ForceAddFlags'];
    if (force !== undefined && force !== 0 && force !== 1) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'ForceAddFlags is 0 or 1');
    const res = await this.relationship.addFriends({ sdkAppId: ctx.sdkAppId, fromAccount: from, items, addType, force: force === 1, origin: restOrigin(ctx) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async friendImport(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.importFriends({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), items: addItems(body, true) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async friendUpdate(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = owner(body);
    const updates = objects(body, 'UpdateItem').map((u) => {
      const items = u['SnsItem'];
      if (!Array.isArray(items) || !items.every(isObject)) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'SnsItem must be an array of {Tag, Value}');
      return { toAccount: str(u, 'To_Account', true), items: items.map((i) => ({ tag: str(i, 'Tag', true), valueJson: JSON.stringify(i['Value'] ?? null) })) };
    });
    const res = await this.relationship.updateFriends({ sdkAppId: ctx.sdkAppId, fromAccount: from, updates });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async friendDelete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.deleteFriends({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), deleteType: str(body, 'DeleteType'), origin: restOrigin(ctx) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async friendDeleteAll(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    await this.relationship.deleteAllFriends({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), deleteType: str(body, 'DeleteType'), origin: restOrigin(ctx) });
    return {};
  }

  private async friendCheck(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.checkFriends({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), checkType: str(body, 'CheckType', true) });
    return {
      InfoItem: res.relations.map((r) => ({ To_Account: r.toAccount, Relation: r.relation, ResultCode: r.resultCode, ResultInfo: r.resultInfo })),
      Fail_Account: res.failAccounts,
    };
  }

  /** The friend list by pages; an up-to-date StandardSequence leaves the fields out. */
  private async friendGet(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.getFriends({
      sdkAppId: ctx.sdkAppId,
      fromAccount: owner(body),
      startIndex: (uintField(body, 'StartIndex', ErrorCode.SNS_INVALID_PARAMETER) ?? 0),
      standardSequence: String((uintField(body, 'StandardSequence', ErrorCode.SNS_INVALID_PARAMETER, { max: Number.MAX_SAFE_INTEGER }) ?? 0)),
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

  private async friendGetList(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const tags = body['TagList'];
    if (tags !== undefined && (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string'))) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'TagList must be an array of tags');
    const res = await this.relationship.getFriendsByIds({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), tags: (tags as string[] | undefined) ?? [] });
    return {
      InfoItem: res.friends.map((f) => ({ To_Account: f.toAccount, SnsProfileItem: tagValues(f.items), ResultCode: f.resultCode, ResultInfo: f.resultInfo })),
      Fail_Account: res.failAccounts,
    };
  }

  private async groupAdd(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = owner(body);
    const groupNames = names(body['GroupName'], 'GroupName');
    const friends = body['To_Account'] === undefined ? [] : targets(body);
    const res = await this.relationship.addFriendGroups({ sdkAppId: ctx.sdkAppId, fromAccount: from, groupNames, toAccounts: friends });
    return { ...(friends.length ? { ResultItem: resultItems(res.results) } : {}), Fail_Account: res.failAccounts, CurrentSequence: Number(res.sequence) };
  }

  private async groupDelete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.deleteFriendGroups({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), groupNames: names(body['GroupName'], 'GroupName') });
    return { CurrentSequence: Number(res.sequence) };
  }

  private async groupGet(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const need = body['NeedFriend'];
    if (need !== undefined && need !== 'Need_Friend_Type_Yes' && need !== 'Need_Friend_Type_No') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'NeedFriend is Need_Friend_Type_Yes or Need_Friend_Type_No');
    const res = await this.relationship.getFriendGroups({
      sdkAppId: ctx.sdkAppId,
      fromAccount: owner(body),
      needFriends: need === 'Need_Friend_Type_Yes',
      groupNames: names(body['GroupName'], 'GroupName'),
    });
    return {
      ResultItem: res.groups.map((g) => ({ GroupName: g.name, FriendNumber: g.friendNumber, ...(need === 'Need_Friend_Type_Yes' ? { To_Account: g.toAccounts } : {}) })),
      CurrentSequence: Number(res.sequence),
    };
  }

  private async add(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.addBlacklist({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), origin: restOrigin(ctx) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async delete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.deleteBlacklist({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), origin: restOrigin(ctx) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  /** A page of the blacklist; StartIndex 0 in the answer means the last page was reached. */
  private async get(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.getBlacklist({
      sdkAppId: ctx.sdkAppId,
      fromAccount: owner(body),
      startIndex: (uintField(body, 'StartIndex', ErrorCode.SNS_INVALID_PARAMETER) ?? 0),
      maxLimited: (uintField(body, 'MaxLimited', ErrorCode.SNS_INVALID_PARAMETER) ?? 100),
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

  private async check(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const type = body['CheckType'];
    if (typeof type !== 'string') throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, 'CheckType is required');
    const res = await this.relationship.checkBlacklist({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body), checkType: type });
    return {
      BlackListCheckItem: res.relations.map((r) => ({ To_Account: r.toAccount, Relation: r.relation, ResultCode: r.resultCode, ResultInfo: r.resultInfo })),
      Fail_Account: res.failAccounts,
    };
  }
}
