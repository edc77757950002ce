import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId, validateMsgBody } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { pushV1 } from '@meridian/proto';
import { accountList, batch } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';

const AUDIENCE_BATCH = 100;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Push to all users and to audiences: v4/all_member_push/im_push and the attribute and tag
 * commands (im_set_attr_name, im_get_attr_name, im_set_attr, im_get_attr, im_remove_attr,
 * im_add_tag, im_get_tag, im_remove_tag, im_remove_all_tags), 100/s each as Tencent.
 */
@Injectable()
export class AllMemberPushCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get push() {
    return this.clients.service<pushV1.PushServiceClient>('push');
  }

  onModuleInit(): void {
    const p = (command: string, handle: (ctx: RestContext, body: JsonObject) => Promise<JsonObject>, ratePerSecond?: number) => ({
      path: `all_member_push/${command}`,
      ratePerSecond,
      handle,
    });
    this.registry.register(
      p('im_push', (ctx, body) => this.imPush(ctx, body)),
      p('im_set_attr_name', (ctx, body) => this.setAttrNames(ctx, body), 100),
      p('im_get_attr_name', async (ctx) => ({ AttrNames: (await this.push.getAttrNames({ sdkAppId: ctx.sdkAppId })).names }), 100),
      p('im_set_attr', (ctx, body) => this.setAttrs(ctx, body), 100),
      p('im_get_attr', (ctx, body) => this.getAttrs(ctx, body), 100),
      p('im_remove_attr', (ctx, body) => this.removeAttrs(ctx, body), 100),
      p('im_add_tag', (ctx, body) => this.tags(ctx, body, 'add'), 100),
      p('im_get_tag', (ctx, body) => this.getTags(ctx, body), 100),
      p('im_remove_tag', (ctx, body) => this.tags(ctx, body, 'remove'), 100),
      p('im_remove_all_tags', async (ctx, body) => {
        await this.push.removeAllUserTags({ sdkAppId: ctx.sdkAppId, userIds: accounts(body, 'To_Account') });
        return {};
      }, 100),
    );
  }

  private async setAttrNames(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const names = body['AttrNames'];
    if (!isObject(names) || !Object.values(names).every((v) => typeof v === 'string')) {
      throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, 'AttrNames must map "0".."9" to names');
    }
    await this.push.setAttrNames({ sdkAppId: ctx.sdkAppId, names: names as Record<string, string> });
    return {};
  }

  private async setAttrs(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const users = items(body, 'UserAttrs').map((item) => {
      const attrs = item['Attrs'];
      if (!isObject(attrs) || !Object.values(attrs).every((v) => typeof v === 'string')) {
        throw new MeridianError(ErrorCode.PUSH_ATTR_INVALID, 'Attrs must map attribute names to string values');
      }
      return { userId: account(item), attrs: attrs as Record<string, string> };
    });
    await this.push.setUserAttrs({ sdkAppId: ctx.sdkAppId, users });
    return {};
  }

  private async getAttrs(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.push.getUserAttrs({ sdkAppId: ctx.sdkAppId, userIds: accounts(body, 'To_Account') });
    return { UserAttrs: res.users.map((u) => ({ To_Account: u.userId, Attrs: u.attrs })) };
  }

  private async removeAttrs(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const users = items(body, 'UserAttrs').map((item) => ({ userId: account(item), names: strings(item['Attrs'], 'Attrs') }));
    await this.push.removeUserAttrs({ sdkAppId: ctx.sdkAppId, users });
    return {};
  }

  private async tags(ctx: RestContext, body: JsonObject, op: 'add' | 'remove'): Promise<JsonObject> {
    const users = items(body, 'UserTags').map((item) => ({ userId: account(item), tags: strings(item['Tags'], 'Tags') }));
    if (op === 'add') await this.push.addUserTags({ sdkAppId: ctx.sdkAppId, users });
    else await this.push.removeUserTags({ sdkAppId: ctx.sdkAppId, users });
    return {};
  }

  private async getTags(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.push.getUserTags({ sdkAppId: ctx.sdkAppId, userIds: accounts(body, 'To_Account') });
    return { UserTags: res.users.map((u) => ({ To_Account: u.userId, Tags: u.tags })) };
  }

  private async imPush(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const from = body['From_Account'] ?? ctx.identifier;
    if (typeof from !== 'string' || !isValidUserId(from)) throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'From_Account must be a valid account');
    const random = body['MsgRandom'];
    if (typeof random !== 'number' || !Number.isInteger(random) || random < 0 || random > 0xffffffff) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgRandom must be a 32-bit unsigned integer');
    }
    const lifeTime = body['MsgLifeTime'] ?? 0;
    if (typeof lifeTime !== 'number' || !Number.isInteger(lifeTime) || lifeTime < 0 || lifeTime > 604_800) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'MsgLifeTime is 0-604800 seconds');
    }
    const msgBody = body['MsgBody'];
    validateMsgBody(msgBody, ErrorCode.MSG_TOO_LONG_REST);
    const offline = body['OfflinePushInfo'];
    if (offline !== undefined && !isObject(offline)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'OfflinePushInfo must be an object');
    const condition = body['Condition'];
    let c: pushV1.BroadcastCondition | undefined;
    if (condition !== undefined) {
      if (!isObject(condition)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Condition must be an object');
      c = { attrsAnd: stringMap(condition['AttrsAnd']), attrsOr: stringMap(condition['AttrsOr']), tagsAnd: optStrings(condition['TagsAnd']), tagsOr: optStrings(condition['TagsOr']) };
    }
    const res = await this.push.startBroadcast({
      sdkAppId: ctx.sdkAppId,
      fromAccount: from,
      msgRandom: random,
      msgLifeTime: lifeTime,
      condition: c,
      msgBody: Buffer.from(JSON.stringify(msgBody)),
      offlinePushInfo: Buffer.from(offline ? JSON.stringify(offline) : ''),
    });
    return { TaskId: res.taskId };
  }
}

function account(item: JsonObject): string {
  const v = item['To_Account'];
  if (typeof v !== 'string') throw new MeridianError(ErrorCode.ACCOUNT_NOT_STRING, 'To_Account must be a string');
  if (!isValidUserId(v)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `invalid account ${JSON.stringify(v)}`);
  return v;
}

function accounts(body: JsonObject, name: string): string[] {
  try {
    return accountList(body, name, AUDIENCE_BATCH);
  } catch (err) {
    // Tencent answers a batch of the wrong size here with 90018.
    if (MeridianError.is(err) && err.code === ErrorCode.INVALID_BATCH_COUNT) throw new MeridianError(ErrorCode.ACCOUNT_COUNT_OVER_LIMIT, err.message);
    throw err;
  }
}

function items(body: JsonObject, name: string): JsonObject[] {
  let list: unknown[];
  try {
    list = batch(body, name, AUDIENCE_BATCH);
  } catch (err) {
    if (MeridianError.is(err) && err.code === ErrorCode.INVALID_BATCH_COUNT) throw new MeridianError(ErrorCode.ACCOUNT_COUNT_OVER_LIMIT, err.message);
    throw err;
  }
  return list.map((i) => {
    if (!isObject(i)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} entries must be objects`);
    return i;
  });
}

function strings(v: unknown, name: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `${name} must be an array of strings`);
  return v as string[];
}

function optStrings(v: unknown): string[] {
  return v === undefined ? [] : strings(v, 'Condition tags');
}

function stringMap(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v) || !Object.values(v).every((s) => typeof s === 'string')) {
    throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'Condition attributes map names to string values');
  }
  return v as Record<string, string>;
}
