import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MEDIA_KEY, MediaErrorCode, MeridianError } from '@meridian/contracts';
import { MediaRouter } from './media-router';

/**
 * Downloads: GET /v1/media/<app>/<user hash>/<name>[.large|.thumb] answers 302 to a presigned GET
 * valid MERIDIAN_MEDIA_GET_TTL_S, or 404 once the object is gone (expired, recalled, its account
 * deleted). The 128-bit random name is the credential, as in Tencent's COS links; nothing but the
 * strict key shape is accepted, so no path can reach another object.
 */
@Controller('v1/media')
export class MediaHttpController {
  constructor(@Inject(MediaRouter) private readonly media: MediaRouter) {}

  @Get(':app/:user/:name')
  async download(@Param('app') app: string, @Param('user') user: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const key = `${app}/${user}/${name}`;
    const fail = (status: number, code: number, info: string) => {
      res.status(status).type('application/json').send(JSON.stringify({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info }));
    };
    if (!MEDIA_KEY.test(key)) return fail(404, MediaErrorCode.NOT_OURS, 'no such object');
    let url: string | undefined;
    try {
      url = await this.media.downloadUrl(key);
    } catch (err) {
      if (MeridianError.is(err)) return fail(503, err.code, err.message);
      return fail(503, MediaErrorCode.NOT_CONFIGURED, 'the object store is not reachable');
    }
    if (!url) return fail(404, MediaErrorCode.NOT_OURS, 'no such object (expired or deleted)');
    res.setHeader('Cache-Control', 'private, no-store');
    res.redirect(302, url);
  }
}
