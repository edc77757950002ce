import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { accountField, uintField } from '../body';
import { RestCommandRegistry } from '../rest-command.registry';
import type { JsonObject, RestContext } from '../rest.types';

/**
 * App configuration commands: v4/ConfigSvc/GetIPList (the access nodes' addresses, for
 * allowlists), the app-wide mute v4/openconfigsvr/setnospeaking and getnospeaking, and the
 * operations statistics v4/openconfigsvr/getappinfo.
 */
@Injectable()
export class ConfigCommands implements OnModuleInit {
  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  private get auth() {
    return this.clients.service<authV1.AuthServiceClient>('auth');
  }

  onModuleInit(): void {
    this.registry.register(
      {
        path: 'ConfigSvc/GetIPList',
        handle: async () => {
          const hosts = this.platform.topology.regionNames().map((r) => new URL(this.platform.topology.httpBaseUrl(r, 'gateway')).hostname);
          return { IPList: [...new Set(hosts)] };
        },
      },
      { path: 'openconfigsvr/setnospeaking', handle: (ctx, body) => this.setNoSpeaking(ctx, body) },
      { path: 'openconfigsvr/getnospeaking', handle: (ctx, body) => this.getNoSpeaking(ctx, body) },
      { path: 'openconfigsvr/getappinfo', handle: (ctx, body) => this.getAppInfo(ctx, body) },
    );
  }

  private async setNoSpeaking(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userId = accountField(body, ['Set_Account']);
    const c2c = uintField(body, 'C2CmsgNospeakingTime');
    const group = uintField(body, 'GroupmsgNospeakingTime');
    if (c2c === undefined && group === undefined) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'C2CmsgNospeakingTime or GroupmsgNospeakingTime is required');
    await this.auth.setNoSpeaking({ sdkAppId: ctx.sdkAppId, userId, c2cSeconds: c2c, groupSeconds: group });
    return {};
  }

  /**
   * Tencent's operations statistics: one Result item per day for the last 30 days (newest first),
   * counters as strings, added up over every region's auth service (each counts its own region).
   * Only the counters Meridian keeps are present; RequestField picks some of them.
   */
  private async getAppInfo(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const requested = body['RequestField'];
    if (requested !== undefined && (!Array.isArray(requested) || requested.some((f) => typeof f !== 'string'))) {
      throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'RequestField must be an array of field names');
    }
    const app = (await this.auth.getApp({ sdkAppId: ctx.sdkAppId, revealSecrets: false, revealCallbackToken: false })).app!;
    const regions = this.platform.topology.regionNames();
    const stats = await Promise.all(regions.map((r) => this.clients.service<authV1.AuthServiceClient>('auth', r).getAppStats({ sdkAppId: ctx.sdkAppId, period: 'day', points: 30 })));
    const total = (metric: string, day: number) => stats.reduce((sum, s) => sum + Number(s.series.find((x) => x.metric === metric)?.points[day]?.value ?? 0), 0);
    const days = stats[0]?.series[0]?.points ?? [];
    const pick = requested ? new Set(requested as string[]) : undefined;
    const Result = days
      .map((p, day) => {
        const c2c = total('c2cMessages', day);
        const group = total('groupMessages', day);
        // Distinct counts are added up over the regions too: an app's users act in its home region
        // only (its data and sessions live there), so the regions' sets do not overlap.
        const item: Record<string, string> = {
          AppName: app.name,
          AppId: String(app.sdkAppId),
          ActiveUserNum: String(total('activeUsers', day)),
          RegistUserNumOneDay: String(total('registrations', day)),
          RegistUserNumTotal: String(total('accountsTotal', day)),
          LoginTimes: String(total('logins', day)),
          LoginUserNum: String(total('loginUsers', day)),
          UpMsgNum: String(c2c + group),
          SendMsgUserNum: String(total('senders', day)),
          C2CUpMsgNum: String(c2c),
          C2CSendMsgUserNum: String(total('c2cSenders', day)),
          MaxOnlineNum: String(total('maxOnline', day)),
          GroupUpMsgNum: String(group),
          GroupSendMsgUserNum: String(total('groupSenders', day)),
          GroupSendMsgGroupNum: String(total('groupsWithMessages', day)),
          GroupJoinGroupTimes: String(total('groupJoins', day)),
          GroupQuitGroupTimes: String(total('groupQuits', day)),
          GroupNewGroupNum: String(total('groupsCreated', day)),
          GroupDestroyGroupNum: String(total('groupsDestroyed', day)),
          CallBackReq: String(total('callbacksSent', day)),
          CallBackRsp: String(total('callbacksSent', day) - total('callbacksFailed', day)),
        };
        const out: Record<string, string> = pick ? Object.fromEntries(Object.entries(item).filter(([k]) => pick.has(k))) : item;
        out['Date'] = new Date(Number(p.timeMs)).toISOString().slice(0, 10).replace(/-/g, '');
        return out;
      })
      .reverse();
    return { Result };
  }

  private async getNoSpeaking(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const userId = accountField(body, ['Get_Account']);
    const res = await this.auth.getNoSpeaking({ sdkAppId: ctx.sdkAppId, userId });
    return { C2CmsgNospeakingTime: res.c2cSeconds, GroupmsgNospeakingTime: res.groupSeconds };
  }
}
