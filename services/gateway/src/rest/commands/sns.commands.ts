import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, isValidUserId } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { relationshipV1 } from '@meridian/proto';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';

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

function count(body: JsonObject, name: string, fallback: number): number {
  const v = body[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new MeridianError(ErrorCode.SNS_INVALID_PARAMETER, `${name} must be an unsigned integer`);
  return v;
}

const resultItems = (items: relationshipV1.AccountResultItem[]) => items.map((r) => ({ To_Account: r.toAccount, ResultCode: r.resultCode, ResultInfo: r.resultInfo }));

/** The relationship chain over REST (v4/sns/*): blacklists now; friends join with their feature. */
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
    );
  }

  private async add(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.addBlacklist({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  private async delete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.deleteBlacklist({ sdkAppId: ctx.sdkAppId, fromAccount: owner(body), toAccounts: targets(body) });
    return { ResultItem: resultItems(res.results), Fail_Account: res.failAccounts };
  }

  /** A page of the blacklist; StartIndex 0 in the answer means the last page was reached. */
  private async get(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const res = await this.relationship.getBlacklist({
      sdkAppId: ctx.sdkAppId,
      fromAccount: owner(body),
      startIndex: count(body, 'StartIndex', 0),
      maxLimited: count(body, 'MaxLimited', 100),
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
