import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { HistoryExportService, type VerifiedFile } from './history-export.service';
import { verifyHistoryToken } from './history-token';

/**
 * Downloads of get_history files: GET /v1/msg_history/<token>/<name>.gz. No UserSig: the token
 * (signed, expiring, naming one app's hour) is the credential. A token that does not verify gets
 * 403 with 1001, an expired one 403 with 1005, both as Tencent-style JSON. The file is checked
 * against the size and MD5 get_history announced before the first byte goes out: a file that
 * changed since is 409 with 1004 (call get_history again), never a truncated download.
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
    let file: VerifiedFile;
    try {
      file = await this.exports.produceVerified(g.sdkAppId, g.chatType, g.hourStart, g);
    } catch (err) {
      this.exports.logMismatch(g.sdkAppId, g.chatType, g.hourStart, err as Error);
      const code = MeridianError.is(err) ? err.code : ErrorCode.HISTORY_SYSTEM_ERROR;
      const status = code === ErrorCode.HISTORY_EXPIRED ? 410 : code === ErrorCode.HISTORY_NOT_READY ? 409 : 503;
      res.status(status).type('application/json').send(JSON.stringify({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: MeridianError.is(err) ? err.message : 'the file could not be produced' }));
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/gzip');
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    try {
      await pipeline(createReadStream(file.path), res);
    } catch {
      // The client went away mid-download; nothing to answer.
    } finally {
      await file.release();
    }
  }
}
