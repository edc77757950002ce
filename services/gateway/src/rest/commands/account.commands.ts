import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { authV1, pushV1 } from '@meridian/proto';
import { accountField, accountItems, accountList, optionalFlag, optionalString } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';
import { withPushOnline } from './push-online';

const ACCOUNT_BATCH = 100;
const ONLINE_STATUS_BATCH = 500;

/**
 * Accounts and online state: v4/im_open_login_svc/{account_import, multiaccount_import,
 * account_delete, account_check, kick} and v4/openim/{query_online_status, querystate}.
 */
@Injectable()
export class AccountCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get auth() {
    return this.clients.service<authV1.AuthServiceClient>('auth');
  }

  onModuleInit(): void {
    this.registry.register(
      { path: 'im_open_login_svc/account_import', handle: (ctx, body) => this.accountImport(ctx, body) },
      { path: 'im_open_login_svc/multiaccount_import', ratePerSecond: 100, handle: (ctx, body) => this.multiImport(ctx, body) },
      { path: 'im_open_login_svc/account_delete', ratePerSecond: 100, handle: (ctx, body) => this.accountDelete(ctx, body) },
      { path: 'im_open_login_svc/account_check', ratePerSecond: 100, handle: (ctx, body) => this.accountCheck(ctx, body) },
      { path: 'im_open_login_svc/kick', handle: (ctx, body) => this.kick(ctx, body) },
      { path: 'openim/query_online_status', handle: (ctx, body) => this.onlineStatus(ctx, body) },
      { path: 'openim/querystate', handle: (ctx, body) => this.onlineStatus(ctx, body) },
    );
  }

  private async accountImport(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userId = accountField(body, ['UserID', 'Identifier']);
    const nick = optionalString(body, 'Nick', 500);
    const faceUrl = optionalString(body, 'FaceUrl', 500);
    const res = await this.auth.importAccounts({ sdkAppId: ctx.sdkAppId, accounts: [{ userId, nick: nick ?? '', faceUrl: faceUrl ?? '' }] });
    if (res.failed.length) throw new MeridianError(ErrorCode.INTERNAL, 'account could not be stored');
    return {};
  }

  private async multiImport(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const accounts = accountList(body, 'Accounts', ACCOUNT_BATCH);
    const res = await this.auth.importAccounts({ sdkAppId: ctx.sdkAppId, accounts: accounts.map((userId) => ({ userId, nick: '', faceUrl: '' })) });
    return { FailAccounts: res.failed };
  }

  private async accountDelete(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userIds = accountItems(body, 'DeleteItem', 'UserID', ACCOUNT_BATCH);
    const res = await this.auth.deleteAccounts({ sdkAppId: ctx.sdkAppId, userIds });
    return { ResultItem: res.results.map((r) => ({ ResultCode: r.resultCode, ResultInfo: r.resultInfo, UserID: r.userId })) };
  }

  private async accountCheck(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userIds = accountItems(body, 'CheckItem', 'UserID', ACCOUNT_BATCH);
    const res = await this.auth.checkAccounts({ sdkAppId: ctx.sdkAppId, userIds });
    return {
      ResultItem: res.results.map((r) => ({ UserID: r.userId, ResultCode: r.resultCode, ResultInfo: r.resultInfo, AccountStatus: r.status })),
    };
  }

  private async kick(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userId = accountField(body, ['UserID', 'Identifier']);
    await this.auth.kick({ sdkAppId: ctx.sdkAppId, userId });
    return {};
  }

  private async onlineStatus(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userIds = accountList(body, 'To_Account', ONLINE_STATUS_BATCH);
    const needDetail = optionalFlag(body, 'IsNeedDetail');
    const res = await this.auth.queryOnlineStatus({ sdkAppId: ctx.sdkAppId, userIds, needDetail });
    const push = this.clients.service<pushV1.PushServiceClient>('push');
    const results = await withPushOnline(res.results, async (ids) => (await push.getPushPlatforms({ sdkAppId: ctx.sdkAppId, userIds: ids })).registrations);
    return {
      QueryResult: results.map((r) => ({
        To_Account: r.userId,
        State: r.state,
        ...(needDetail ? { Detail: r.detail.map((d) => ({ Platform: d.platform, Status: d.status })) } : {}),
      })),
      ...(res.notFound.length ? { ErrorList: res.notFound.map((u) => ({ To_Account: u, ErrorCode: ErrorCode.ACCOUNT_NOT_FOUND })) } : {}),
    };
  }
}
