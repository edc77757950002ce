import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

export interface RegionHealth {
  region: string;
  healthy: boolean;
  /** Smoothed round trip from this gateway to that region's gateway (ms); undefined until measured. */
  rttMs?: number;
  checkedAt?: number;
}

/**
 * Measures every region's gateway from here (gRPC ping, which pays the real or injected distance)
 * so the addressing endpoint can rank regions by health and round-trip time.
 */
@Injectable()
export class RegionHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RegionHealthService.name);
  private readonly health = new Map<string, RegionHealth>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {
    for (const region of platform.topology.regionNames()) this.health.set(region, { region, healthy: true });
  }

  onApplicationBootstrap(): void {
    void this.probe();
    this.timer = setInterval(() => void this.probe(), this.config.MERIDIAN_ACCESS_PROBE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  snapshot(): RegionHealth[] {
    return [...this.health.values()];
  }

  async probe(): Promise<void> {
    await Promise.all(
      this.platform.topology.regionNames().map(async (region) => {
        const started = Date.now();
        const prev = this.health.get(region);
        try {
          await this.clients.platform('gateway', region).ping({ echo: 'rtt' }, { deadlineMs: 2000 });
          const rtt = Date.now() - started;
          this.health.set(region, { region, healthy: true, rttMs: prev?.rttMs === undefined ? rtt : Math.round(prev.rttMs * 0.7 + rtt * 0.3), checkedAt: Date.now() });
        } catch (err) {
          if (prev?.healthy) this.logger.warn({ region, error: (err as Error).message }, 'region gateway unreachable');
          this.health.set(region, { region, healthy: false, rttMs: prev?.rttMs, checkedAt: Date.now() });
        }
      }),
    );
  }
}
