import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, MEDIA_KEY, MediaErrorCode, MeridianError, type JsonObject } from '@meridian/contracts';
import { GrpcClients, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import type { gatewayV1 } from '@meridian/proto';
import { HomeRegions } from '../access/home-regions.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { MediaService } from './media.service';

/** The media commands a gateway hands to the home region's gateway (HandleMedia). */
export const MEDIA_COMMANDS = ['upload', 'confirm', 'info', 'download'] as const;
export type MediaCommand = (typeof MEDIA_COMMANDS)[number];

/** Who asks, and where: the app's home region holds the objects, `urlRegion` is where the client connects. */
export interface RoutedCaller {
  sdkAppId: number;
  userId: string;
  homeRegion: string;
  urlRegion: string;
}

/**
 * Runs media commands where the app's objects live (the design card: each app's data lives in its
 * home region). Here when this is the app's home region; otherwise on a gateway of the home
 * region, over gRPC (GatewayService.HandleMedia), which presigns for its own store. No region
 * holds another region's store credentials; the client then PUTs to and GETs from the home
 * region's store, and the download URLs of the answer point at its own region's gateways, which
 * ask the home region again for each download.
 */
@Injectable()
export class MediaRouter {
  constructor(
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(HomeRegions) private readonly homes: HomeRegions,
    @Inject(MediaService) private readonly media: MediaService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async run(caller: RoutedCaller, command: Exclude<MediaCommand, 'download'>, body: JsonObject): Promise<JsonObject> {
    if (caller.homeRegion === this.platform.region) return this.local({ sdkAppId: caller.sdkAppId, userId: caller.userId, region: caller.urlRegion }, command, body);
    return this.remote(caller.homeRegion, { sdkAppId: caller.sdkAppId, userId: caller.userId, command, body: Buffer.from(JSON.stringify(body)), urlRegion: caller.urlRegion });
  }

  /** Where GET /v1/media/<key> sends a client, asked of the app's home region; undefined: no such object. */
  async downloadUrl(key: string): Promise<string | undefined> {
    const m = MEDIA_KEY.exec(key);
    if (!m) return undefined;
    const home = await this.homes.of(Number(m[1])).catch((err: unknown) => {
      if (MeridianError.is(err) && err.code === ErrorCode.APP_NOT_FOUND) return undefined;
      throw err;
    });
    if (home === undefined) return undefined;
    if (home === this.platform.region) return this.media.downloadUrl(key);
    const res = await this.remote(home, { sdkAppId: Number(m[1]), userId: '', command: 'download', body: Buffer.from(JSON.stringify({ key })), urlRegion: this.platform.region });
    return typeof res['url'] === 'string' ? res['url'] : undefined;
  }

  /** HandleMedia on this (the home region's) gateway: one command, run against this region's store. */
  async handle(req: gatewayV1.HandleMediaRequest): Promise<JsonObject> {
    const body = JSON.parse(Buffer.from(req.body).toString('utf8') || '{}') as JsonObject;
    if (req.command === 'download') {
      const key = body['key'];
      const url = typeof key === 'string' && MEDIA_KEY.exec(key)?.[1] === String(req.sdkAppId) ? await this.media.downloadUrl(key) : undefined;
      return url ? { url } : {};
    }
    if (!(MEDIA_COMMANDS as readonly string[]).includes(req.command)) throw new MeridianError(MediaErrorCode.INVALID_PARAMETERS, `unknown media command ${req.command}`);
    return this.local({ sdkAppId: req.sdkAppId, userId: req.userId, region: req.urlRegion }, req.command as Exclude<MediaCommand, 'download'>, body);
  }

  private async local(caller: { sdkAppId: number; userId: string; region: string }, command: Exclude<MediaCommand, 'download'>, b: JsonObject): Promise<JsonObject> {
    switch (command) {
      case 'upload':
        return { ...(await this.media.requestUpload(caller, { type: b['type'], size: b['size'], contentType: b['contentType'], fileName: b['fileName'] })) } as JsonObject;
      case 'confirm':
        return { element: await this.media.confirm(caller, b['uploadId'], b['second']) } as JsonObject;
      case 'info':
        return (await this.media.info(caller, b['uuid'], { fileName: b['fileName'], second: b['second'] })) as unknown as JsonObject;
    }
  }

  private async remote(region: string, req: gatewayV1.HandleMediaRequest): Promise<JsonObject> {
    // As long as the client's own request may take (a multipart confirm asks the store to join the parts).
    const res = await this.clients.service<gatewayV1.GatewayServiceClient>('gateway', region).handleMedia(req, { deadlineMs: this.config.MERIDIAN_WS_REQUEST_TIMEOUT_MS });
    return JSON.parse(Buffer.from(res.body).toString('utf8')) as JsonObject;
  }
}
