import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError, TOPICS } from '@meridian/contracts';
import { EventBus, PLATFORM_CONFIG, REPORTED_METRICS, RedisClient, STAT_METRICS, countStat, onlineNow, setOnline, statSeries, type ConsumedEvent, type PlatformConfig, type StatMetric, type StatPeriod } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';

/**
 * Per-app statistics of this region (logins, online users, 1:1 and group messages) counted from
 * the events already on the bus into Redis minute/hour/day buckets (libs/platform stats/app-stats).
 * One consumer group per service, so each event counts once per region; the console and
 * v4/openconfigsvr/getappinfo read the buckets. Counting is best-effort: a Redis error is
 * logged and the event skipped rather than holding up the partition.
 */
@Injectable()
export class StatsAggregator implements OnModuleInit {
  private readonly logger = new Logger(StatsAggregator.name);

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Counts reported by other services of this region (REST calls, callbacks); unknown metrics are ignored. */
  async report(counts: authV1.AppCount[]): Promise<void> {
    for (const c of counts) {
      if (!c.sdkAppId || !c.count || !REPORTED_METRICS.includes(c.metric as StatMetric)) continue;
      await countStat(this.redis.redis, c.sdkAppId, c.metric as StatMetric, Number(c.timeMs) || Date.now(), c.count);
    }
  }

  /** This region's counters of one app: online users now and each metric's last buckets. */
  async read(sdkAppId: number, period: string, points: number): Promise<authV1.GetAppStatsResponse> {
    if (period !== 'minute' && period !== 'hour' && period !== 'day') throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'period is minute, hour or day');
    if (points > 1000) throw new MeridianError(ErrorCode.INVALID_PARAMETER, 'at most 1000 points');
    const now = Date.now();
    const series = await Promise.all(
      STAT_METRICS.map(async (metric) => ({
        metric,
        points: (await statSeries(this.redis.redis, sdkAppId, metric, period as StatPeriod, now, points || undefined)).map((p) => ({ timeMs: String(p.t), value: String(p.value) })),
      })),
    );
    return { region: this.config.region, onlineNow: await onlineNow(this.redis.redis, sdkAppId), series };
  }

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'stats',
      topics: [TOPICS.userState, TOPICS.c2cMessages, TOPICS.groupEvents],
      partitionsConcurrently: 4,
      handler: (e) => this.handle(e),
    });
  }

  private async handle({ envelope: e }: ConsumedEvent): Promise<void> {
    const app = e.sdkAppId;
    if (!app) return;
    const time = Number(e.timeMs) || Date.now();
    try {
      if (e.userStateChanged) {
        const s = e.userStateChanged;
        if (s.action === 'Login') await countStat(this.redis.redis, app, 'logins', time);
        await setOnline(this.redis.redis, app, s.userId, s.onlineSessions > 0);
      } else if (e.c2cMessageStored) {
        await countStat(this.redis.redis, app, 'c2cMessages', time);
      } else if (e.groupMessageStored) {
        await countStat(this.redis.redis, app, 'groupMessages', time);
      }
    } catch (err) {
      this.logger.warn({ sdkAppId: app, error: (err as Error).message }, 'stats not counted');
    }
  }
}
