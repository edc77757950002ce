import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { HistoryExportService } from './history-export.service';
import { verifyHistoryToken } from './history-token';

/**
 * Downloads of get_history files: GET /v1/msg_history/<token>/<name>.gz. No UserSig: the token
 * (signed, expiring, naming one app's hour) is the credential. A token that does not verify gets
 * 403 with 1001, an expired one 403 with 1005, both as Tencent-style JSON.
 */
@Controller('v1/msg_history')
export class HistoryHttpController {
  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(HistoryExportService) private readonly exports: HistoryExportService,
  ) {}

  @Get(':token/:name')
  async download(@Param('token') token: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const check = verifyHistoryToken(this.config.MERIDIAN_HISTORY_URL_SECRET, token);
    if (!check.ok) {
      const [code, info] =
        check.reason === 'expired'
          ? [ErrorCode.HISTORY_EXPIRED, 'this download address has expired; call v4/open_msg_svc/get_history again']
          : [ErrorCode.HISTORY_REQUEST_INVALID, 'invalid download address'];
      res.status(403).type('application/json').send(JSON.stringify({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info }));
      return;
    }
    const g = check.grant;
    res.status(200);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Length', String(g.gzipSize));
    res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    try {
      await this.exports.download(g.sdkAppId, g.chatType, g.hourStart, g, res);
    } catch (err) {
      this.exports.logMismatch(g.sdkAppId, g.chatType, g.hourStart, err as Error);
      if (!res.headersSent) {
        const code = MeridianError.is(err) ? err.code : ErrorCode.HISTORY_SYSTEM_ERROR;
        res.removeHeader('Content-Length');
        res.removeHeader('Content-Disposition');
        res.status(code === ErrorCode.HISTORY_EXPIRED ? 410 : 503).type('application/json').send(JSON.stringify({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: (err as Error).message }));
        return;
      }
      // Headers are gone: cutting the connection short is the only signal left (Content-Length).
      res.destroy();
    }
  }
}
