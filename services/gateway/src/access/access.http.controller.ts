import { BadRequestException, Controller, Get, Header, HttpCode, Inject, Query } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { WS_PATH } from '../ws/client-ws.server';
import { RegionHealthService } from './region-health.service';

export interface RankedGateway {
  region: string;
  wsUrl: string;
  restUrl: string;
  /** GET it a few times and re-rank by the measured round trip. */
  probeUrl: string;
  healthy: boolean;
  rttMs: number | null;
}

/**
 * Addressing ("nearest access node"): the ranked gateway list for a client. Healthy gateways
 * first; among them the client's region hint, then by the round trip measured from this gateway.
 * The SDK re-ranks with its own probes of probeUrl.
 */
@Controller('v1/access')
export class AccessHttpController {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(RegionHealthService) private readonly health: RegionHealthService,
  ) {}

  // Browsers call both endpoints from the app's own origin (the SDK's addressing and RTT probes);
  // neither carries credentials or anything private, so any origin may read them.
  @Get('gateways')
  @Header('Access-Control-Allow-Origin', '*')
  gateways(@Query('region') hint?: string): { gateways: RankedGateway[]; servedBy: string } {
    const regions = this.platform.topology.regionNames();
    if (hint !== undefined && !regions.includes(hint)) throw new BadRequestException(`unknown region ${hint}; known: ${regions.join(', ')}`);
    const ranked = this.health
      .snapshot()
      .sort(
        (a, b) =>
          Number(b.healthy) - Number(a.healthy) ||
          Number(b.region === hint) - Number(a.region === hint) ||
          (a.rttMs ?? Number.MAX_SAFE_INTEGER) - (b.rttMs ?? Number.MAX_SAFE_INTEGER) ||
          a.region.localeCompare(b.region),
      )
      .map((h) => {
        const base = this.platform.topology.httpBaseUrl(h.region, 'gateway');
        return {
          region: h.region,
          wsUrl: `${base.replace(/^http/, 'ws')}${WS_PATH}`,
          restUrl: `${base}/v4`,
          probeUrl: `${base}/v1/access/ping`,
          healthy: h.healthy,
          rttMs: h.rttMs ?? null,
        };
      });
    return { gateways: ranked, servedBy: this.platform.region };
  }

  /** The RTT probe: as small and cheap as an answer can be. */
  @Get('ping')
  @HttpCode(204)
  @Header('Access-Control-Allow-Origin', '*')
  @Header('Cache-Control', 'no-store')
  ping(): void {
    return undefined;
  }
}
