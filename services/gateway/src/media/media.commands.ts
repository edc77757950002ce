import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { accountField } from '../rest/body';
import { RestCommandRegistry } from '../rest/rest-command.registry';
import type { JsonObject } from '../rest/rest.types';
import { WsCommandRegistry } from '../ws/ws-command.registry';
import { MediaService } from './media.service';

/**
 * The media commands (docs/media.md). WebSocket, for clients: `media.upload`, `media.confirm`,
 * `media.info`, as the logged-in user. REST, for app backends (Tencent has no such API; the
 * service name is ours): `meridian_media/upload`, `…/confirm`, `…/info`, on behalf of
 * `From_Account` (default: the calling admin).
 */
@Injectable()
export class MediaCommands implements OnModuleInit {
  constructor(
    @Inject(WsCommandRegistry) private readonly ws: WsCommandRegistry,
    @Inject(RestCommandRegistry) private readonly rest: RestCommandRegistry,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(MediaService) private readonly media: MediaService,
  ) {}

  onModuleInit(): void {
    const own = (s: { sdkAppId: number; userId: string }) => ({ sdkAppId: s.sdkAppId, userId: s.userId, region: this.platform.region });
    this.ws.register(
      { cmd: 'media.upload', handle: ({ session }, b) => this.media.requestUpload(own(session), { type: b['type'], size: b['size'], contentType: b['contentType'], fileName: b['fileName'] }) },
      { cmd: 'media.confirm', handle: async ({ session }, b) => ({ element: await this.media.confirm(own(session), b['uploadId'], b['second']) }) },
      { cmd: 'media.info', handle: ({ session }, b) => this.media.info(own(session), b['uuid'], { fileName: b['fileName'], second: b['second'] }) },
    );
    const onBehalf = (ctx: { sdkAppId: number; identifier: string; entryRegion: string }, body: JsonObject) => ({
      sdkAppId: ctx.sdkAppId,
      userId: body['From_Account'] === undefined ? ctx.identifier : accountField(body, ['From_Account']),
      region: ctx.entryRegion,
    });
    this.rest.register(
      {
        path: 'meridian_media/upload',
        handle: async (ctx, b) => ({ ...(await this.media.requestUpload(onBehalf(ctx, b), { type: b['Type'], size: b['Size'], contentType: b['ContentType'], fileName: b['FileName'] })) }),
      },
      { path: 'meridian_media/confirm', handle: async (ctx, b) => ({ Element: await this.media.confirm(onBehalf(ctx, b), b['UploadId'], b['Second']) }) },
      {
        path: 'meridian_media/info',
        handle: async (ctx, b) => {
          const res = await this.media.info(onBehalf(ctx, b), b['UUID'], { fileName: b['FileName'], second: b['Second'] });
          return { Status: res.status, Element: res.element };
        },
      },
    );
  }
}
