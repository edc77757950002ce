import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { RestCommandRegistry } from '../rest/rest-command.registry';
import type { JsonObject, RestContext } from '../rest/rest.types';
import { HOUR_S, HistoryExportService, msgTimeOf, parseMsgTime } from './history-export.service';
import { signHistoryToken, type HistoryChatType } from './history-token';

/** "YYYY-MM-DD HH:MM:SS" (UTC), Tencent's ExpireTime shape. */
const dateTime = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * v4/open_msg_svc/get_history: the download address of one UTC hour's 1:1 or group messages of
 * the app, as a gzip file in Tencent's format. The file is measured here (sizes and MD5s) and
 * produced again on download by whichever gateway the URL reaches; the URL carries a signed,
 * expiring token instead of a UserSig, like Tencent's COS links.
 */
@Injectable()
export class HistoryCommands implements OnModuleInit {
  private readonly logger = new Logger(HistoryCommands.name);

  constructor(
    @Inject(RestCommandRegistry) private readonly registry: RestCommandRegistry,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(HistoryExportService) private readonly exports: HistoryExportService,
  ) {}

  onModuleInit(): void {
    // Tencent's limit for this API: 10 calls per second.
    this.registry.register({ path: 'open_msg_svc/get_history', ratePerSecond: 10, handle: (ctx, body) => this.getHistory(ctx, body) });
  }

  private async getHistory(ctx: RestContext, body: JsonObject): Promise<JsonObject> {
    const chatType = body['ChatType'];
    if (chatType !== 'C2C' && chatType !== 'Group') throw new MeridianError(ErrorCode.HISTORY_PARAMETER_INVALID, 'ChatType must be "C2C" or "Group"');
    const msgTime = body['MsgTime'];
    if (typeof msgTime !== 'string') throw new MeridianError(ErrorCode.HISTORY_PARAMETER_INVALID, 'MsgTime must be a string "YYYYMMDDHH"');
    const hourStart = parseMsgTime(msgTime);
    if (hourStart === undefined) throw new MeridianError(ErrorCode.HISTORY_PARAMETER_INVALID, 'MsgTime must be a UTC hour "YYYYMMDDHH"');
    const now = Math.floor(Date.now() / 1000);
    if (hourStart + HOUR_S > now) throw new MeridianError(ErrorCode.HISTORY_NOT_READY, `the file of ${msgTime} is made once that hour has ended`);

    let info;
    try {
      info = await this.exports.describe(ctx.sdkAppId, chatType as HistoryChatType, hourStart);
    } catch (err) {
      if (MeridianError.is(err) && (err.code === ErrorCode.HISTORY_NOT_READY || err.code === ErrorCode.HISTORY_EXPIRED)) throw err;
      this.logger.error({ sdkAppId: ctx.sdkAppId, chatType, msgTime, error: (err as Error).message }, 'get_history failed');
      throw new MeridianError(ErrorCode.HISTORY_SYSTEM_ERROR, 'the file could not be produced; try again');
    }
    const expiresAt = now + this.config.MERIDIAN_HISTORY_URL_TTL_S;
    const token = signHistoryToken(this.config.MERIDIAN_HISTORY_URL_SECRET, { sdkAppId: ctx.sdkAppId, chatType: chatType as HistoryChatType, hourStart, expiresAt, gzipSize: info.gzipSize, gzipMd5: info.gzipMd5 });
    // The address of a gateway of the region the caller came in through: any gateway serves it.
    const base = this.platform.topology.httpBaseUrl(ctx.entryRegion, 'gateway');
    return {
      File: [
        {
          URL: `${base}/v1/msg_history/${token}/${ctx.sdkAppId}_${chatType}_${msgTimeOf(hourStart)}.gz`,
          ExpireTime: dateTime(expiresAt),
          FileSize: info.fileSize,
          FileMD5: info.fileMd5,
          GzipSize: info.gzipSize,
          GzipMD5: info.gzipMd5,
        },
      ],
    };
  }
}
