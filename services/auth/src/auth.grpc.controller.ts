import { Controller, Inject } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcCallers, GrpcEndpoint, type GrpcIdentity, type PromiseClient } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { AccountsService } from './accounts/accounts.service';
import { APP_DATA_SERVICES, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { AppsService, fromProtoPolicy, toProtoApp, toProtoStatus } from './apps/apps.service';
import { AppDeletionsService, toProtoDeletion } from './apps/app-deletions.service';
import { SessionsService, type LogoutReason } from './sessions/sessions.service';
import type { SessionRecord } from './sessions/sessions.repository';
import { UserSigService } from './usersig/usersig.service';
import { StatsAggregator } from './stats/stats.aggregator';

type Remote = PromiseClient<authV1.AuthServiceClient>;

/**
 * Who may administer apps and read their secrets (an app's secret key mints any UserSig, its
 * administrator's included): operators (console, CLI, launcher, test harness), and auth itself,
 * because a call that reaches the wrong region is forwarded by that region's auth to the app's
 * home, after the same rule was applied there to the original caller.
 */
const APP_ADMINS: readonly GrpcIdentity[] = ['operator', 'auth'];
/** The callback service signs its calls to the app's backend with the callback token (and needs nothing else secret). */
const CALLBACK_TOKEN_READERS: readonly GrpcIdentity[] = [...APP_ADMINS, 'callback'];

/**
 * The auth service's gRPC face: maps proto to domain calls. Every call about one app is served by
 * the app's home region; a call that arrives elsewhere is forwarded there unchanged.
 */
@Controller()
@GrpcEndpoint()
@authV1.AuthServiceControllerMethods()
export class AuthGrpcController implements authV1.AuthServiceController {
  constructor(
    @Inject(AppsService) private readonly apps: AppsService,
    @Inject(UserSigService) private readonly usersig: UserSigService,
    @Inject(AccountsService) private readonly accounts: AccountsService,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(StatsAggregator) private readonly stats: StatsAggregator,
    @Inject(AppDeletionsService) private readonly deletions: AppDeletionsService,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
  ) {}

  @GrpcCallers(APP_ADMINS)
  async createApp(req: authV1.CreateAppRequest): Promise<authV1.CreateAppResponse> {
    const policy = req.multiDevicePolicy === authV1.MultiDevicePolicy.MULTI_DEVICE_POLICY_UNSPECIFIED ? 'single' : fromProtoPolicy(req.multiDevicePolicy);
    if (!policy) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'unknown multi-device policy');
    const { app, created } = await this.apps.create({
      name: req.name,
      homeRegion: req.homeRegion,
      sdkAppId: req.sdkAppId,
      admins: req.admins,
      multiDevicePolicy: policy,
      ecdsaPublicKey: req.ecdsaPublicKey,
      secretKey: req.secretKey,
      ifNotExists: req.ifNotExists,
      allowPrivateCallbackTargets: req.allowPrivateCallbackTargets,
    });
    // The creator sees the key once; later reads reveal it only when asked.
    return { app: toProtoApp(app, true), created };
  }

  @GrpcCallers(APP_ADMINS, (req: authV1.GetAppRequest) => req.revealSecrets)
  @GrpcCallers(CALLBACK_TOKEN_READERS, (req: authV1.GetAppRequest) => req.revealCallbackToken)
  async getApp(req: authV1.GetAppRequest): Promise<authV1.GetAppResponse> {
    return this.home(req.sdkAppId, (r) => r.getApp(req), async () => {
      const app = await this.apps.getLocal(req.sdkAppId);
      if (!app) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
      return { app: toProtoApp(app, req.revealSecrets, req.revealSecrets || req.revealCallbackToken) };
    });
  }

  @GrpcCallers(['operator'])
  async listApps(): Promise<authV1.ListAppsResponse> {
    return { apps: (await this.apps.list()).map((a) => toProtoApp(a, false)) };
  }

  @GrpcCallers(APP_ADMINS)
  async updateApp(req: authV1.UpdateAppRequest): Promise<authV1.UpdateAppResponse> {
    return this.home(req.sdkAppId, (r) => r.updateApp(req), async () => {
      let multiDevice;
      if (req.hasMultiDevice) {
        const policy = fromProtoPolicy(req.multiDevicePolicy);
        if (!policy) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'unknown multi-device policy');
        multiDevice = { policy, maxPerPlatform: req.maxPerPlatform || 1, maxWeb: req.maxWeb || 1 };
      }
      const cb = req.callback;
      const app = await this.apps.update(req.sdkAppId, {
        name: req.hasName ? req.name : undefined,
        admins: req.hasAdmins ? req.admins : undefined,
        multiDevice,
        ecdsaPublicKey: req.hasEcdsaPublicKey ? req.ecdsaPublicKey : undefined,
        callback:
          req.hasCallback && cb
            ? {
                url: cb.url,
                commands: cb.commands,
                token: cb.token,
                timeoutMs: cb.timeoutMs || 2000,
                failurePolicy: cb.failurePolicy === authV1.CallbackFailurePolicy.CALLBACK_FAILURE_POLICY_BLOCK ? 'block' : 'deliver',
              }
            : undefined,
        restLimits: req.hasRestLimits ? { commandQps: req.restCommandQps, appQps: req.restAppQps } : undefined,
        roamingDays: req.hasRoaming ? req.roamingDays : undefined,
        recallWindowS: req.hasRecallWindow ? req.recallWindowS : undefined,
        allowPrivateCallbackTargets: req.hasPrivateCallbackTargets ? req.allowPrivateCallbackTargets : undefined,
      });
      return { app: toProtoApp(app, false) };
    });
  }

  @GrpcCallers(APP_ADMINS)
  async rotateAppKey(req: authV1.RotateAppKeyRequest): Promise<authV1.RotateAppKeyResponse> {
    return this.home(req.sdkAppId, (r) => r.rotateAppKey(req), async () => ({
      app: toProtoApp(await this.apps.rotateKey(req.sdkAppId), true),
    }));
  }

  @GrpcCallers(APP_ADMINS)
  async setAppStatus(req: authV1.SetAppStatusRequest): Promise<authV1.SetAppStatusResponse> {
    return this.home(req.sdkAppId, (r) => r.setAppStatus(req), async () => {
      const status =
        req.status === authV1.AppStatus.APP_STATUS_ACTIVE ? 'active' : req.status === authV1.AppStatus.APP_STATUS_DISABLED ? 'disabled' : undefined;
      if (!status) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'status must be ACTIVE or DISABLED');
      return { app: toProtoApp(await this.apps.setStatus(req.sdkAppId, status), false) };
    });
  }

  @GrpcCallers(APP_ADMINS)
  async deleteApp(req: authV1.DeleteAppRequest): Promise<authV1.DeleteAppResponse> {
    const local = async () => ({ deletion: toProtoDeletion(await this.deletions.delete(req.sdkAppId)) });
    // A repeated call finds no app any more, only its tombstone in the home region.
    if (await this.deletions.exists(req.sdkAppId)) return local();
    try {
      return await this.home(req.sdkAppId, (r) => r.deleteApp(req), local);
    } catch (err) {
      if (!MeridianError.is(err) || err.code !== ErrorCode.APP_NOT_FOUND) throw err;
      const region = await this.tombstoneRegion(req.sdkAppId);
      if (!region) throw err;
      return this.apps.authIn(region).deleteApp(req);
    }
  }

  @GrpcCallers(APP_ADMINS)
  async getAppDeletion(req: authV1.GetAppDeletionRequest): Promise<authV1.GetAppDeletionResponse> {
    if (req.localOnly || (await this.deletions.exists(req.sdkAppId))) return { deletion: toProtoDeletion(await this.deletions.get(req.sdkAppId)) };
    // The app is gone, so its home cannot be located: the region holding the tombstone answers.
    const region = await this.tombstoneRegion(req.sdkAppId);
    if (!region) throw new MeridianError(ErrorCode.APP_NOT_FOUND, `no deletion of SDKAppID ${req.sdkAppId}`);
    return this.apps.authIn(region).getAppDeletion({ sdkAppId: req.sdkAppId, localOnly: true });
  }

  /** The other region holding a deleted app's tombstone (its former home), if any. */
  private async tombstoneRegion(sdkAppId: number): Promise<string | undefined> {
    for (const region of this.platform.topology.regionNames().filter((r) => r !== this.platform.region)) {
      try {
        await this.apps.authIn(region).getAppDeletion({ sdkAppId, localOnly: true });
        return region;
      } catch (err) {
        if (!MeridianError.is(err) || err.code !== ErrorCode.APP_NOT_FOUND) throw err;
      }
    }
    return undefined;
  }

  @GrpcCallers(APP_DATA_SERVICES)
  async reportAppPurge(req: authV1.ReportAppPurgeRequest): Promise<authV1.ReportAppPurgeResponse> {
    await this.deletions.report(req.sdkAppId, req.service, Number(req.removed));
    return {};
  }

  async locateApp(req: authV1.LocateAppRequest): Promise<authV1.LocateAppResponse> {
    const where = await this.apps.locate(req.sdkAppId, req.localOnly);
    return {
      found: where.found,
      homeRegion: where.homeRegion,
      status: where.status ? toProtoStatus(where.status) : authV1.AppStatus.APP_STATUS_UNSPECIFIED,
    };
  }

  async verifyUserSig(req: authV1.VerifyUserSigRequest): Promise<authV1.VerifyUserSigResponse> {
    return this.home(req.sdkAppId, (r) => r.verifyUserSig(req), async () => {
      const v = await this.usersig.verify(req.sdkAppId, req.identifier, req.userSig, {
        clientIp: req.clientIp,
        admin: { required: req.requireAdmin, code: req.adminErrorCode },
      });
      return {
        isAdmin: v.isAdmin,
        issuedAt: String(v.claims.issuedAt),
        expiresAt: String(v.claims.expiresAt),
        version: v.claims.version,
        restCommandQps: v.app.restCommandQps ?? 0,
        restAppQps: v.app.restAppQps ?? 0,
      };
    });
  }

  @GrpcCallers(APP_ADMINS)
  async genUserSig(req: authV1.GenUserSigRequest): Promise<authV1.GenUserSigResponse> {
    return this.home(req.sdkAppId, (r) => r.genUserSig(req), async () => {
      const g = await this.usersig.generate(req.sdkAppId, req.identifier, req.expireSeconds);
      return { userSig: g.userSig, expiresAt: String(g.expiresAt) };
    });
  }

  async importAccounts(req: authV1.ImportAccountsRequest): Promise<authV1.ImportAccountsResponse> {
    return this.home(req.sdkAppId, (r) => r.importAccounts(req), async () => ({
      failed: await this.accounts.import(
        req.sdkAppId,
        req.accounts.map((a) => ({ userId: a.userId, nick: a.nick || undefined, faceUrl: a.faceUrl || undefined })),
      ),
    }));
  }

  async deleteAccounts(req: authV1.DeleteAccountsRequest): Promise<authV1.DeleteAccountsResponse> {
    return this.home(req.sdkAppId, (r) => r.deleteAccounts(req), async () => ({
      results: (await this.accounts.delete(req.sdkAppId, req.userIds)).map((r) => ({ ...r, status: '', c2cMutedUntil: '0', groupMutedUntil: '0' })),
    }));
  }

  async checkAccounts(req: authV1.CheckAccountsRequest): Promise<authV1.CheckAccountsResponse> {
    return this.home(req.sdkAppId, (r) => r.checkAccounts(req), async () => ({
      results: (await this.accounts.check(req.sdkAppId, req.userIds)).map((r) => ({
        ...r,
        status: r.status ?? '',
        c2cMutedUntil: String(r.c2cMutedUntil ?? 0),
        groupMutedUntil: String(r.groupMutedUntil ?? 0),
      })),
    }));
  }

  async setNoSpeaking(req: authV1.SetNoSpeakingRequest): Promise<authV1.SetNoSpeakingResponse> {
    return this.home(req.sdkAppId, (r) => r.setNoSpeaking(req), async () => {
      await this.accounts.setNoSpeaking(req.sdkAppId, req.userId, req.c2cSeconds, req.groupSeconds);
      return {};
    });
  }

  async getNoSpeaking(req: authV1.GetNoSpeakingRequest): Promise<authV1.GetNoSpeakingResponse> {
    return this.home(req.sdkAppId, (r) => r.getNoSpeaking(req), async () => {
      const left = await this.accounts.getNoSpeaking(req.sdkAppId, req.userId);
      return { c2cSeconds: left.c2c, groupSeconds: left.group };
    });
  }

  async listAccounts(req: authV1.ListAccountsRequest): Promise<authV1.ListAccountsResponse> {
    return this.home(req.sdkAppId, (r) => r.listAccounts(req), async () => ({
      userIds: await this.accounts.page(req.sdkAppId, req.after, req.limit || 500),
    }));
  }

  async login(req: authV1.LoginRequest): Promise<authV1.LoginResponse> {
    return this.home(req.sdkAppId, (r) => r.login(req), async () => {
      const { session, kicked } = await this.sessions.login(req);
      return { session: toProtoSession(session), kicked: kicked.map(toProtoSession) };
    });
  }

  async logout(req: authV1.LogoutRequest): Promise<authV1.LogoutResponse> {
    return this.home(req.sdkAppId, (r) => r.logout(req), async () => {
      const reason = (['Logout', 'Disconnect', 'TimeOut'] as const).find((x) => x === req.reason) ?? 'Logout';
      return { removed: await this.sessions.logout(req.sdkAppId, req.userId, req.loginId, reason satisfies LogoutReason) };
    });
  }

  async kick(req: authV1.KickRequest): Promise<authV1.KickResponse> {
    return this.home(req.sdkAppId, (r) => r.kick(req), async () => {
      await this.apps.requireActive(req.sdkAppId);
      return { kicked: (await this.sessions.kickAll(req.sdkAppId, req.userId, 'AdminKick')).map(toProtoSession) };
    });
  }

  async queryOnlineStatus(req: authV1.QueryOnlineStatusRequest): Promise<authV1.QueryOnlineStatusResponse> {
    return this.home(req.sdkAppId, (r) => r.queryOnlineStatus(req), async () => {
      await this.apps.requireActive(req.sdkAppId);
      const { results, notFound } = await this.sessions.onlineStatus(req.sdkAppId, req.userIds);
      return {
        results: results.map((r) => ({ userId: r.userId, state: r.state, detail: req.needDetail ? r.detail : [] })),
        notFound,
      };
    });
  }

  async touchSessions(req: authV1.TouchSessionsRequest): Promise<authV1.TouchSessionsResponse> {
    // Gateways batch by home region, so every ref here belongs to an app homed in this region.
    return { goneLoginIds: await this.sessions.touch(req.sessions) };
  }

  async getSessions(req: authV1.GetSessionsRequest): Promise<authV1.GetSessionsResponse> {
    return this.home(req.sdkAppId, (r) => r.getSessions(req), async () => ({
      sessions: (await this.sessions.sessionsOf(req.sdkAppId, req.userIds)).map(toProtoSession),
    }));
  }

  async getAppStats(req: authV1.GetAppStatsRequest): Promise<authV1.GetAppStatsResponse> {
    // This region's own counters, never forwarded (callers ask each region).
    return this.stats.read(req.sdkAppId, req.period || 'minute', req.points);
  }

  async reportAppCounts(req: authV1.ReportAppCountsRequest): Promise<authV1.ReportAppCountsResponse> {
    this.stats.report(req.counts, req.distinct);
    return {};
  }

  /** Runs `local` when the app lives in this region, otherwise forwards the call to its home. */
  private async home<T>(sdkAppId: number, forward: (remote: Remote) => Promise<T>, local: () => Promise<T>): Promise<T> {
    const remote = await this.apps.remoteHome(sdkAppId);
    return remote ? forward(remote) : local();
  }
}

function toProtoSession(s: SessionRecord): authV1.Session {
  return {
    loginId: s.loginId,
    userId: s.userId,
    platform: s.platform,
    gatewayRegion: s.gatewayRegion,
    gatewayInstance: s.gatewayInstance,
    connectionId: s.connectionId,
    gatewayAddress: s.gatewayAddress,
    loginAtMs: String(s.loginAtMs),
    expiresAtMs: String(s.expiresAtMs),
  };
}
