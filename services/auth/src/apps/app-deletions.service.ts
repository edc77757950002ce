import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, isServiceName } from '@meridian/contracts';
import { APP_DATA_SERVICES, EventBus, GrpcClients, PLATFORM_CONFIG, RedisClient, purgeAppKeys, subscribeAppPurge, type PlatformConfig } from '@meridian/platform';
import { authV1 } from '@meridian/proto';
import { AUTH_KEY_FAMILIES } from '../auth.keys';
import { SessionsRepository } from '../sessions/sessions.repository';
import { SessionsService } from '../sessions/sessions.service';
import { StatsAggregator } from '../stats/stats.aggregator';
import { AppDeletionsRepository, type AppDeletionRecord } from './app-deletions.repository';
import { AppsService } from './apps.service';

/**
 * App deletion, in the app's home region. DeleteApp removes the app's record at once (from then
 * on its UserSigs, logins and REST calls get 70020, as for an unknown SDKAppID), keeps a
 * tombstone with the purge's progress, closes the app's sessions, and announces the deletion:
 * every service holding app data purges it on that event and reports back (ReportAppPurge).
 * A repeated DeleteApp announces it again, so a purge interrupted anywhere is driven to the end.
 */
@Injectable()
export class AppDeletionsService implements OnModuleInit {
  private readonly logger = new Logger(AppDeletionsService.name);

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(AppsService) private readonly apps: AppsService,
    @Inject(AppDeletionsRepository) private readonly repo: AppDeletionsRepository,
    @Inject(SessionsRepository) private readonly sessionsRepo: SessionsRepository,
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(StatsAggregator) private readonly stats: StatsAggregator,
  ) {}

  onModuleInit(): void {
    // auth's own data of the app: accounts, revocations, statistics, failure counters, sessions.
    subscribeAppPurge(this.bus, this.clients, 'auth', async (sdkAppId) => {
      this.stats.forgetApp(sdkAppId);
      await this.closeSessions(sdkAppId);
      return (await this.repo.purgeAppDocuments(sdkAppId)) + (await purgeAppKeys(this.redis, AUTH_KEY_FAMILIES, sdkAppId));
    });
  }

  async delete(sdkAppId: number): Promise<AppDeletionRecord> {
    let deletion = await this.repo.find(sdkAppId);
    if (!deletion) {
      const app = await this.apps.getLocal(sdkAppId);
      if (!app) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
      deletion = { _id: sdkAppId, name: app.name, homeRegion: app.homeRegion, requestedAt: new Date(), purged: {} };
      if (!(await this.repo.insert(deletion))) deletion = (await this.repo.find(sdkAppId))!;
    }
    await this.repo.removeApp(sdkAppId);
    this.apps.forgetApp(sdkAppId);
    this.stats.forgetApp(sdkAppId);
    // Connections close now rather than when auth's own purge gets to them.
    await this.closeSessions(sdkAppId);
    if (!isComplete(deletion)) await this.bus.publish(TOPICS.appChanges, String(sdkAppId), { appChanged: { what: 'deleted' } }, { sdkAppId });
    this.logger.log({ sdkAppId, name: deletion.name }, 'app deleted');
    return deletion;
  }

  async exists(sdkAppId: number): Promise<boolean> {
    return (await this.repo.find(sdkAppId)) !== null;
  }

  async get(sdkAppId: number): Promise<AppDeletionRecord> {
    const d = await this.repo.find(sdkAppId);
    if (!d) throw new MeridianError(ErrorCode.APP_NOT_FOUND, `no deletion of SDKAppID ${sdkAppId}`);
    return d;
  }

  async report(sdkAppId: number, service: string, removed: number): Promise<void> {
    if (!isServiceName(service) || !APP_DATA_SERVICES.includes(service)) throw new MeridianError(ErrorCode.INVALID_PARAMETER, `unknown service ${service}`);
    const d = await this.repo.report(sdkAppId, service, removed);
    if (!d) throw new MeridianError(ErrorCode.APP_NOT_FOUND, `no deletion of SDKAppID ${sdkAppId}`);
    if (isComplete(d)) this.logger.log({ sdkAppId, region: this.platform.region }, 'deleted app purged by every service');
  }

  private async closeSessions(sdkAppId: number): Promise<void> {
    for (const userId of await this.sessionsRepo.usersWithSessions(sdkAppId)) await this.sessions.kickAll(sdkAppId, userId, 'AppDeleted');
  }
}

function isComplete(d: AppDeletionRecord): boolean {
  return APP_DATA_SERVICES.every((s) => d.purged[s]);
}

export function toProtoDeletion(d: AppDeletionRecord): authV1.AppDeletion {
  return {
    sdkAppId: d._id,
    name: d.name,
    homeRegion: d.homeRegion,
    requestedAtMs: String(d.requestedAt.getTime()),
    services: APP_DATA_SERVICES.map((service) => {
      const p = d.purged[service];
      return { service, done: Boolean(p), removed: String(p?.removed ?? 0), finishedAtMs: String(p ? new Date(p.at).getTime() : 0) };
    }),
    complete: isComplete(d),
  };
}
