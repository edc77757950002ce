import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { authV1 } from '@meridian/proto';

const TTL_MS = 30_000;

/** Which region is an app's home, asked of the local auth service and remembered briefly. */
@Injectable()
export class HomeRegions {
  private readonly cache = new Map<number, { region: string; until: number }>();

  constructor(@Inject(GrpcClients) private readonly clients: GrpcClients) {}

  async of(sdkAppId: number): Promise<string> {
    const hit = this.cache.get(sdkAppId);
    if (hit && hit.until > Date.now()) return hit.region;
    const where = await this.clients.service<authV1.AuthServiceClient>('auth').locateApp({ sdkAppId, localOnly: false });
    if (!where.found) throw new MeridianError(ErrorCode.APP_NOT_FOUND);
    this.cache.set(sdkAppId, { region: where.homeRegion, until: Date.now() + TTL_MS });
    return where.homeRegion;
  }
}
