import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS, ownEntry } from '@meridian/contracts';
import {
  DISTINCT_METRICS,
  EventBus,
  PLATFORM_CONFIG,
  REPORTED_METRICS,
  RedisClient,
  STAT_METRICS,
  StatsBuffer,
  countStat,
  distinctSeries,
  maxOnlineSeries,
  onlineNow,
  setOnlineAndPeak,
  statSeries,
  type ConsumedEvent,
  type DistinctMetric,
  type PlatformConfig,
  type StatMetric,
  type StatPeriod,
} from '@meridian/platform';
import type { authV1 } from '@meridian/proto';
import { AccountsRepository } from '../accounts/accounts.repository';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';

/**
 * Per-app statistics of this region (logins, online users, 1:1 and group messages) counted from
 * the events already on the bus into Redis minute/hour/day buckets (libs/platform stats/app-stats).
 * One consumer group per service, so each event counts once per region; the console and
 * v4/openconfigsvr/getappinfo read the buckets. Counting is best-effort: a Redis error is
 * logged and the event skipped rather than holding up the partition.
 */
@Injectable()
export class StatsAggregator implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StatsAggregator.name);
  /** Per-event counts (messages, logins) gathered here and written once per flush interval. */
  private readonly buffer = new StatsBuffer();
  private timer?: NodeJS.Timeout;
  /**
   * Apps deleted since this process started: their events and reported counts still in flight are
   * not counted, so nothing of them is written after their purge (a restart forgets the list;
   * counts written then expire with their buckets).
   */
  private readonly deleted = new Set<number>();

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(AccountsRepository) private readonly accounts: AccountsRepository,
    @Inject(AUTH_CONFIG) private readonly authConfig: AuthConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async flush(): Promise<void> {
    try {
      await this.buffer.flush(this.redis.redis);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 'stats not counted');
    }
  }

  /** A deleted app: drop what is gathered for it and count nothing more of it. */
  forgetApp(sdkAppId: number): void {
    this.deleted.add(sdkAppId);
    this.buffer.dropApp(sdkAppId);
  }

  /** Accounts created (imports, first logins) and deleted now; best-effort like every counter. */
  async accountsChanged(sdkAppId: number, created: number, deleted: number): Promise<void> {
    if (this.deleted.has(sdkAppId)) return;
    try {
      if (created) await countStat(this.redis.redis, sdkAppId, 'registrations', Date.now(), created);
      if (deleted) await countStat(this.redis.redis, sdkAppId, 'accountsDeleted', Date.now(), deleted);
    } catch (err) {
      this.logger.warn({ sdkAppId, error: (err as Error).message }, 'account counts not kept');
    }
  }

  /**
   * Counts reported by other services of this region (REST calls, callbacks, 1:1 messages and their
   * senders); unknown metrics are ignored. Counts and members join the buffer, written with the
   * next flush like the ones counted from events.
   */
  report(counts: authV1.AppCount[], distinct: authV1.AppDistinct[] = []): void {
    for (const c of counts) {
      if (!c.sdkAppId || !c.count || !REPORTED_METRICS.includes(c.metric as StatMetric) || this.deleted.has(c.sdkAppId)) continue;
      this.buffer.count(c.sdkAppId, c.metric as StatMetric, Number(c.timeMs) || Date.now(), c.count);
    }
    for (const d of distinct) {
      if (!d.sdkAppId || !(DISTINCT_METRICS as readonly string[]).includes(d.metric) || this.deleted.has(d.sdkAppId)) continue;
      const metric = d.metric as DistinctMetric;
      this.buffer.addDistinct(d.sdkAppId, d.members.filter((m) => typeof m === 'string' && m.length > 0 && m.length <= 64).map((m) => [metric, m] as [DistinctMetric, string]), Number(d.timeMs) || Date.now());
    }
  }

  /** This region's counters of one app: online users now and each metric's last buckets. */
  async read(sdkAppId: number, period: string, points: number): Promise<authV1.GetAppStatsResponse> {
    if (period !== 'minute' && period !== 'hour' && period !== 'day') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'period is minute, hour or day');
    if (points > 1000) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'at most 1000 points');
    const now = Date.now();
    const series: authV1.StatSeries[] = await Promise.all(
      STAT_METRICS.map(async (metric) => ({
        metric,
        points: (await statSeries(this.redis.redis, sdkAppId, metric, period as StatPeriod, now, points || undefined)).map((p) => ({ timeMs: String(p.t), value: String(p.value) })),
      })),
    );
    if (period === 'day') series.push(...(await this.daySeries(sdkAppId, now, points || undefined)));
    return { region: this.config.region, onlineNow: await onlineNow(this.redis.redis, sdkAppId), series };
  }

  /**
   * Day-only series: the distinct counts (HyperLogLogs), the peak of online users (maxOnline) and
   * accountsTotal, the app's accounts at each day's end: exact today (counted in the accounts
   * collection of this region), earlier days by taking back the registrations and deletions
   * counted since.
   */
  private async daySeries(sdkAppId: number, now: number, points?: number): Promise<authV1.StatSeries[]> {
    const toProto = (metric: string, pts: { t: number; value: number }[]) => ({ metric, points: pts.map((p) => ({ timeMs: String(p.t), value: String(Math.max(0, p.value)) })) });
    const out = await Promise.all(DISTINCT_METRICS.map(async (m) => toProto(m, await distinctSeries(this.redis.redis, sdkAppId, m, now, points))));
    out.push(toProto('maxOnline', await maxOnlineSeries(this.redis.redis, sdkAppId, now, points)));
    const [registered, deleted, total] = await Promise.all([
      statSeries(this.redis.redis, sdkAppId, 'registrations', 'day', now, points),
      statSeries(this.redis.redis, sdkAppId, 'accountsDeleted', 'day', now, points),
      this.accounts.count(sdkAppId),
    ]);
    const totals = registered.map((p) => ({ t: p.t, value: 0 }));
    let running = total;
    for (let i = totals.length - 1; i >= 0; i--) {
      totals[i]!.value = running;
      running -= registered[i]!.value - deleted[i]!.value;
    }
    out.push(toProto('accountsTotal', totals));
    return out;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.authConfig.MERIDIAN_AUTH_STATS_FLUSH_MS);
    this.timer.unref();
    this.bus.subscribe({
      name: 'stats',
      // 1:1 messages are not read here: chat counts them and reports (ReportAppCounts), so this
      // group does not fetch every message of the region.
      topics: [TOPICS.userState, TOPICS.groupEvents],
      partitionsConcurrently: 4,
      handler: (e) => this.handle(e),
    });
    this.bus.subscribe({
      name: 'stats-app-deletions',
      topics: [TOPICS.appChanges],
      perInstance: true,
      handler: async ({ envelope }) => {
        if (envelope.appChanged?.what === 'deleted') this.forgetApp(envelope.sdkAppId);
      },
    });
  }

  private async handle({ envelope: e }: ConsumedEvent): Promise<void> {
    const app = e.sdkAppId;
    if (!app || this.deleted.has(app)) return;
    const time = Number(e.timeMs) || Date.now();
    try {
      if (e.userStateChanged) {
        const s = e.userStateChanged;
        if (s.action === 'Login') {
          this.buffer.count(app, 'logins', time);
          this.buffer.addDistinct(app, [['loginUsers', s.userId], ['activeUsers', s.userId]], time);
        }
        await setOnlineAndPeak(this.redis.redis, app, s.userId, s.onlineSessions > 0, time);
      } else if (e.groupMessageStored) {
        const m = e.groupMessageStored;
        this.buffer.count(app, 'groupMessages', time);
        this.buffer.addDistinct(app, [...senderEntries(m.fromAccount, 'groupSenders'), ['groupsWithMessages', m.groupId]], time);
      } else if (e.groupChanged) {
        const g = e.groupChanged;
        const metric = ownEntry(GROUP_CHANGE_METRIC, g.change);
        if (metric) this.buffer.count(app, metric, time, metric === 'groupJoins' || metric === 'groupQuits' ? Math.max(1, g.members.length) : 1);
      }
    } catch (err) {
      this.logger.warn({ sdkAppId: app, error: (err as Error).message }, 'stats not counted');
    }
  }
}

/** Group changes counted per day (Tencent's GroupNewGroupNum, GroupDestroyGroupNum, GroupJoinGroupTimes, GroupQuitGroupTimes). */
const GROUP_CHANGE_METRIC: Partial<Record<string, StatMetric>> = {
  Created: 'groupsCreated',
  Destroyed: 'groupsDestroyed',
  MemberJoined: 'groupJoins',
  MemberQuit: 'groupQuits',
  MemberKicked: 'groupQuits',
};

function senderEntries(userId: string, kind: DistinctMetric): [DistinctMetric, string][] {
  return userId ? [[kind, userId], ['senders', userId], ['activeUsers', userId]] : [];
}
