import type Redis from 'ioredis';

/**
 * Per-app statistics in Redis time buckets, written by the auth service's stats aggregator (from
 * the events on the bus) and read by the console and `v4/openconfigsvr/getappinfo`. The keys live
 * under the auth service's Redis prefix of each region (<region prefix>auth:stats:...), so every
 * region counts what its own services did; readers add the regions up.
 */
export const STAT_METRICS = ['logins', 'c2cMessages', 'groupMessages', 'restCalls', 'restErrors', 'callbacksSent', 'callbacksFailed'] as const;
/** The metrics other services report through auth's ReportAppCounts (the rest come from events). */
export const REPORTED_METRICS: readonly StatMetric[] = ['restCalls', 'restErrors', 'callbacksSent', 'callbacksFailed'];
export type StatMetric = (typeof STAT_METRICS)[number];
export type StatPeriod = 'minute' | 'hour' | 'day';

const PERIOD_MS: Record<StatPeriod, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
/** How long each bucket is kept (beyond what the charts show) and how many the charts show. */
const TTL_S: Record<StatPeriod, number> = { minute: 3 * 3600, hour: 3 * 86_400, day: 32 * 86_400 };
export const STAT_POINTS: Record<StatPeriod, number> = { minute: 60, hour: 48, day: 30 };

export const statBucket = (period: StatPeriod, timeMs: number) => Math.floor(timeMs / PERIOD_MS[period]) * PERIOD_MS[period];
const counterKey = (sdkAppId: number, metric: StatMetric, period: StatPeriod, bucket: number) => `stats:${sdkAppId}:${metric}:${period}:${bucket}`;
const onlineKey = (sdkAppId: number) => `stats:${sdkAppId}:online`;

export interface StatPoint {
  t: number;
  value: number;
}

/** Adds `n` to a metric's minute, hour and day buckets. */
export async function countStat(redis: Redis, sdkAppId: number, metric: StatMetric, timeMs: number, n = 1): Promise<void> {
  const m = redis.multi();
  for (const period of ['minute', 'hour', 'day'] as const) {
    const key = counterKey(sdkAppId, metric, period, statBucket(period, timeMs));
    m.incrby(key, n).expire(key, TTL_S[period]);
  }
  await m.exec();
}

/** Marks a user online (some session left) or offline in the app's online set. */
export async function setOnline(redis: Redis, sdkAppId: number, userId: string, online: boolean): Promise<void> {
  if (online) await redis.sadd(onlineKey(sdkAppId), userId);
  else await redis.srem(onlineKey(sdkAppId), userId);
}

export async function onlineNow(redis: Redis, sdkAppId: number): Promise<number> {
  return redis.scard(onlineKey(sdkAppId));
}

/** The last STAT_POINTS[period] buckets of a metric up to `nowMs`, oldest first (missing = 0). */
export async function statSeries(redis: Redis, sdkAppId: number, metric: StatMetric, period: StatPeriod, nowMs = Date.now(), points = STAT_POINTS[period]): Promise<StatPoint[]> {
  const last = statBucket(period, nowMs);
  const times = Array.from({ length: points }, (_, i) => last - (points - 1 - i) * PERIOD_MS[period]);
  const values = await redis.mget(times.map((t) => counterKey(sdkAppId, metric, period, t)));
  return times.map((t, i) => ({ t, value: Number(values[i] ?? 0) }));
}
