import type Redis from 'ioredis';

/**
 * Per-app statistics in Redis time buckets, written by the auth service's stats aggregator (from
 * the events on the bus) and read by the console and `v4/openconfigsvr/getappinfo`. The keys live
 * under the auth service's Redis prefix of each region (<region prefix>auth:stats:...), so every
 * region counts what its own services did; readers add the regions up.
 */
export const STAT_METRICS = [
  'logins',
  'c2cMessages',
  'groupMessages',
  'restCalls',
  'restErrors',
  'callbacksSent',
  'callbacksFailed',
  'registrations',
  'accountsDeleted',
  'groupsCreated',
  'groupsDestroyed',
  'groupJoins',
  'groupQuits',
] as const;
/** The metrics other services report through auth's ReportAppCounts (the rest come from events). */
export const REPORTED_METRICS: readonly StatMetric[] = ['restCalls', 'restErrors', 'callbacksSent', 'callbacksFailed', 'c2cMessages'];
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

/**
 * Per-day distinct counts, as Redis HyperLogLogs (PFADD / PFCOUNT: at most 12 KiB per key
 * whatever the number of users, standard error 0.81%; exact while small, as HLLs start sparse):
 * activeUsers (logged in or sent a message), loginUsers, senders (1:1 or group), c2cSenders,
 * groupSenders, and groupsWithMessages (groups that got a message).
 */
export const DISTINCT_METRICS = ['activeUsers', 'loginUsers', 'senders', 'c2cSenders', 'groupSenders', 'groupsWithMessages'] as const;
export type DistinctMetric = (typeof DISTINCT_METRICS)[number];
const distinctKey = (sdkAppId: number, metric: DistinctMetric, bucket: number) => `stats:${sdkAppId}:${metric}:day:${bucket}`;
const maxOnlineKey = (sdkAppId: number, bucket: number) => `stats:${sdkAppId}:maxOnline:day:${bucket}`;

/** Adds members to distinct-count metrics of the day of `timeMs`. */
export async function addDistinct(redis: Redis, sdkAppId: number, entries: [DistinctMetric, string][], timeMs: number): Promise<void> {
  const bucket = statBucket('day', timeMs);
  const m = redis.multi();
  for (const [metric, member] of entries) {
    const key = distinctKey(sdkAppId, metric, bucket);
    m.pfadd(key, member).expire(key, TTL_S.day);
  }
  await m.exec();
}

/** The last `points` days of a distinct-count metric up to `nowMs`, oldest first. */
export async function distinctSeries(redis: Redis, sdkAppId: number, metric: DistinctMetric, nowMs = Date.now(), points = STAT_POINTS.day): Promise<StatPoint[]> {
  const last = statBucket('day', nowMs);
  const times = Array.from({ length: points }, (_, i) => last - (points - 1 - i) * PERIOD_MS.day);
  const p = redis.pipeline();
  for (const t of times) p.pfcount(distinctKey(sdkAppId, metric, t));
  const res = (await p.exec()) ?? [];
  return times.map((t, i) => ({ t, value: Number(res[i]?.[1] ?? 0) }));
}

// Raises the day's high-water mark to the online set's size (one round trip, no race).
const RAISE_MAX_ONLINE = `local n = redis.call('SCARD', KEYS[1])
local m = tonumber(redis.call('GET', KEYS[2]) or '0')
if n > m then redis.call('SET', KEYS[2], n, 'EX', ARGV[1]) end
return n`;

/** Marks a user online or offline and, when online, raises the day's peak of online users. */
export async function setOnlineAndPeak(redis: Redis, sdkAppId: number, userId: string, online: boolean, timeMs: number): Promise<void> {
  await setOnline(redis, sdkAppId, userId, online);
  if (online) await redis.eval(RAISE_MAX_ONLINE, 2, onlineKey(sdkAppId), maxOnlineKey(sdkAppId, statBucket('day', timeMs)), TTL_S.day);
}

/** The last `points` days' peak of online users (MaxOnlineNum), oldest first. */
export async function maxOnlineSeries(redis: Redis, sdkAppId: number, nowMs = Date.now(), points = STAT_POINTS.day): Promise<StatPoint[]> {
  const last = statBucket('day', nowMs);
  const times = Array.from({ length: points }, (_, i) => last - (points - 1 - i) * PERIOD_MS.day);
  const values = await redis.mget(times.map((t) => maxOnlineKey(sdkAppId, t)));
  return times.map((t, i) => ({ t, value: Number(values[i] ?? 0) }));
}

/**
 * Counts and distinct members gathered in memory and written in one Redis pipeline per flush
 * (the stats aggregator called `countStat` and `addDistinct` per event: two MULTIs, ~10 commands,
 * two round trips for every message). The buckets and keys are the same as theirs. Best-effort
 * like every counter here: what is gathered since the last flush is lost if the process dies.
 */
export class StatsBuffer {
  private counters = new Map<string, { n: number; ttl: number }>();
  private distinct = new Map<string, Set<string>>();

  count(sdkAppId: number, metric: StatMetric, timeMs: number, n = 1): void {
    for (const period of ['minute', 'hour', 'day'] as const) {
      const key = counterKey(sdkAppId, metric, period, statBucket(period, timeMs));
      const c = this.counters.get(key);
      if (c) c.n += n;
      else this.counters.set(key, { n, ttl: TTL_S[period] });
    }
  }

  addDistinct(sdkAppId: number, entries: [DistinctMetric, string][], timeMs: number): void {
    const bucket = statBucket('day', timeMs);
    for (const [metric, member] of entries) {
      const key = distinctKey(sdkAppId, metric, bucket);
      let set = this.distinct.get(key);
      if (!set) this.distinct.set(key, (set = new Set()));
      set.add(member);
    }
  }

  get empty(): boolean {
    return this.counters.size === 0 && this.distinct.size === 0;
  }

  /** Forgets what was gathered for one app (a deleted app: nothing of it is written after its purge). */
  dropApp(sdkAppId: number): void {
    const prefix = `stats:${sdkAppId}:`;
    for (const map of [this.counters, this.distinct]) for (const key of [...map.keys()]) if (key.startsWith(prefix)) map.delete(key);
  }

  /** Writes everything gathered so far in one pipeline; what it held is gone even if Redis fails. */
  async flush(redis: Redis): Promise<{ keys: number }> {
    if (this.empty) return { keys: 0 };
    const counters = this.counters;
    const distinct = this.distinct;
    this.counters = new Map();
    this.distinct = new Map();
    const p = redis.pipeline();
    for (const [key, { n, ttl }] of counters) p.incrby(key, n).expire(key, ttl);
    for (const [key, members] of distinct) p.pfadd(key, ...members).expire(key, TTL_S.day);
    const results = await p.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (failed) throw failed;
    return { keys: counters.size + distinct.size };
  }
}
