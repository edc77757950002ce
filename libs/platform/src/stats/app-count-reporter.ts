import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { authV1 } from '@meridian/proto';
import { GrpcClients } from '../grpc/clients';
import type { DistinctMetric, StatMetric } from './app-stats';

/** Distinct members held before a report goes out early (a report stays far under gRPC's 4 MiB). */
const MAX_PENDING_MEMBERS = 10_000;

/**
 * Per-app counts a service keeps in memory (REST calls in the gateway, callbacks in the callback
 * service, 1:1 messages and their senders in chat) and reports to its region's auth service every
 * MERIDIAN_STATS_FLUSH_MS (default 10 s), which adds them to the app's statistics buckets.
 * Best-effort: a failed report is dropped, and so are a crashed process's last seconds.
 */
@Injectable()
export class AppCountReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AppCountReporter.name);
  private pending = new Map<string, number>();
  private members = new Map<string, Set<string>>();
  private memberCount = 0;
  private timer?: NodeJS.Timeout;
  private readonly flushMs = Number(process.env['MERIDIAN_STATS_FLUSH_MS'] ?? 10_000);

  constructor(@Inject(GrpcClients) private readonly clients: GrpcClients) {}

  add(sdkAppId: number, metric: StatMetric, n = 1): void {
    if (!sdkAppId) return;
    const key = `${sdkAppId}|${metric}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + n);
  }

  /** Members seen for distinct metrics (senders, active users): day HyperLogLogs in auth. */
  addDistinct(sdkAppId: number, entries: readonly (readonly [DistinctMetric, string])[]): void {
    if (!sdkAppId) return;
    for (const [metric, member] of entries) {
      if (!member) continue;
      const key = `${sdkAppId}|${metric}`;
      let set = this.members.get(key);
      if (!set) this.members.set(key, (set = new Set()));
      if (set.has(member)) continue;
      set.add(member);
      this.memberCount++;
    }
    if (this.memberCount >= MAX_PENDING_MEMBERS) void this.flush();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pending.size && !this.members.size) return;
    const batch = this.pending;
    const members = this.members;
    this.pending = new Map();
    this.members = new Map();
    this.memberCount = 0;
    const timeMs = String(Date.now());
    const split = (key: string) => {
      const at = key.indexOf('|');
      return { sdkAppId: Number(key.slice(0, at)), metric: key.slice(at + 1) };
    };
    const counts = [...batch].map(([key, count]) => ({ ...split(key), count, timeMs }));
    const distinct = [...members].map(([key, set]) => ({ ...split(key), members: [...set], timeMs }));
    try {
      await this.clients.service<authV1.AuthServiceClient>('auth').reportAppCounts({ counts, distinct });
    } catch (err) {
      this.logger.warn({ counts: counts.length, distinct: distinct.length, error: (err as Error).message }, 'app counts not reported');
    }
  }
}
