import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_NAMES, type ServiceName } from '@meridian/contracts';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';

export interface ServiceProbe {
  ok: boolean;
  latencyMs: number;
  instanceId?: string;
  error?: string;
  checks?: { name: string; ok: boolean; latencyMs: number; detail: string }[];
}

export type RegionReport = Record<ServiceName, ServiceProbe>;

export interface SelfTestRun {
  /** Callers that asked while this run was in flight got this same run (and id). */
  runId: string;
  startedAt: string;
  regions: Record<string, RegionReport>;
}

/** Asks every service of every region, through this gateway's gRPC clients, whether it is wired up. */
@Injectable()
export class DiagService {
  /**
   * The self-test in flight on this gateway, if any. One run writes to MongoDB, Redis and Kafka in
   * every service of every region; letting callers stack runs turned 30 concurrent calls into a
   * platform-wide slowdown, so there is at most one at a time and callers asking for the same
   * scope share it.
   */
  private running: { scope: string; run: Promise<SelfTestRun> } | undefined;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
  ) {}

  regions(only?: string): string[] {
    const all = this.config.topology.regionNames();
    return only ? all.filter((r) => r === only) : all;
  }

  async ping(region?: string): Promise<Record<string, RegionReport>> {
    return this.forEach(region, async (service, r) => {
      const res = await this.clients.platform(service, r).ping({ echo: 'diag' });
      return { instanceId: res.instanceId, ok: res.service === service && res.region === r };
    });
  }

  /**
   * The self-test for `region` (all when undefined): the run in flight when it has the same scope,
   * else a new one; undefined when a run of another scope is in flight (the caller answers 429).
   */
  sharedSelfTest(region?: string): Promise<SelfTestRun> | undefined {
    const scope = region ?? '*';
    if (this.running) return this.running.scope === scope ? this.running.run : undefined;
    const runId = randomBytes(6).toString('hex');
    const startedAt = new Date().toISOString();
    const run = this.selfTest(region).then((regions) => ({ runId, startedAt, regions }));
    const entry = { scope, run };
    this.running = entry;
    const clear = () => {
      if (this.running === entry) this.running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  async selfTest(region?: string): Promise<Record<string, RegionReport>> {
    return this.forEach(region, async (service, r) => {
      const res = await this.clients
        .platform(service, r)
        .selfTest({ nonce: randomBytes(12).toString('hex') }, { deadlineMs: this.config.selfTestTimeoutMs + 2000 });
      return {
        ok: res.ok && res.service === service && res.region === r,
        checks: res.checks.map((c) => ({ name: c.name, ok: c.ok, latencyMs: Number(c.latencyMs), detail: c.detail })),
      };
    });
  }

  private async forEach(
    region: string | undefined,
    probe: (service: ServiceName, region: string) => Promise<Omit<ServiceProbe, 'latencyMs'>>,
  ): Promise<Record<string, RegionReport>> {
    const regions = this.regions(region);
    const entries = await Promise.all(
      regions.map(async (r) => {
        const results = await Promise.all(
          SERVICE_NAMES.map(async (s): Promise<[ServiceName, ServiceProbe]> => {
            const started = Date.now();
            try {
              return [s, { ...(await probe(s, r)), latencyMs: Date.now() - started }];
            } catch (err) {
              return [s, { ok: false, latencyMs: Date.now() - started, error: (err as Error).message }];
            }
          }),
        );
        return [r, Object.fromEntries(results) as RegionReport] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}
