import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { authV1 } from '@meridian/proto';
import { GrpcClients } from '../grpc/clients';
import type { StatMetric } from './app-stats';

/**
 * Per-app counts a service keeps in memory (REST calls in the gateway, callbacks in the callback
 * service) and reports to its region's auth service every MERIDIAN_STATS_FLUSH_MS (default 10 s),
 * which adds them to the app's statistics buckets. Best-effort: a failed report is dropped.
 */
@Injectable()
export class AppCountReporter implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AppCountReporter.name);
  private pending = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly flushMs = Number(process.env['MERIDIAN_STATS_FLUSH_MS'] ?? 10_000);

  constructor(@Inject(GrpcClients) private readonly clients: GrpcClients) {}

  add(sdkAppId: number, metric: StatMetric, n = 1): void {
    if (!sdkAppId) return;
    const key = `${sdkAppId}|${metric}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + n);
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
    if (!this.pending.size) return;
    const batch = this.pending;
    this.pending = new Map();
    const timeMs = String(Date.now());
    const counts = [...batch].map(([key, count]) => {
      const [app, metric] = key.split('|');
      return { sdkAppId: Number(app), metric: metric!, count, timeMs };
    });
    try {
      await this.clients.service<authV1.AuthServiceClient>('auth').reportAppCounts({ counts });
    } catch (err) {
      this.logger.warn({ counts: counts.length, error: (err as Error).message }, 'app counts not reported');
    }
  }
}
