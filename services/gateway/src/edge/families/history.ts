import { Logger } from '@nestjs/common';
import { ErrorCode, MeridianError, getHistorySchema, type JsonObject } from '@meridian/contracts';
import { HOUR_S, msgTimeOf, parseMsgTime, type HistoryFileInfo } from '../../history/history-export.service';
import { signHistoryToken } from '../../history/history-token';
import { runRow, type EdgeCall, type EdgeRow } from '../edge-command';

const logger = new Logger('GetHistory');

/** "YYYY-MM-DD HH:MM:SS" (UTC), Tencent's ExpireTime shape. */
const dateTime = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/**
 * The download address of one UTC hour's 1:1 or group messages of the app, as a gzip file in
 * Tencent's format. The file is measured here (sizes and MD5s) and produced again on download by
 * whichever gateway the URL reaches; the URL carries a signed, expiring token instead of a
 * UserSig, like Tencent's COS links.
 */
async function getHistory(c: EdgeCall, chatType: 'C2C' | 'Group', msgTime: string): Promise<JsonObject> {
  const hourStart = parseMsgTime(msgTime);
  if (hourStart === undefined) throw new MeridianError(ErrorCode.HISTORY_PARAMETER_INVALID, 'MsgTime must be a UTC hour "YYYYMMDDHH"');
  const now = Math.floor(Date.now() / 1000);
  if (hourStart + HOUR_S > now) throw new MeridianError(ErrorCode.HISTORY_NOT_READY, `the file of ${msgTime} is made once that hour has ended`);
  let info: HistoryFileInfo;
  try {
    info = await c.deps.history.describe(c.sdkAppId, chatType, hourStart);
  } catch (err) {
    if (MeridianError.is(err) && (err.code === ErrorCode.HISTORY_NOT_READY || err.code === ErrorCode.HISTORY_EXPIRED)) throw err;
    logger.error({ sdkAppId: c.sdkAppId, chatType, msgTime, error: (err as Error).message }, 'get_history failed');
    throw new MeridianError(ErrorCode.HISTORY_SYSTEM_ERROR, 'the file could not be produced; try again');
  }
  const expiresAt = now + c.deps.config.MERIDIAN_HISTORY_URL_TTL_S;
  const token = signHistoryToken(c.deps.config.MERIDIAN_HISTORY_URL_SECRET, { sdkAppId: c.sdkAppId, chatType, hourStart, expiresAt, gzipSize: info.gzipSize, gzipMd5: info.gzipMd5 });
  // The address of a gateway of the region the caller came in through: any gateway serves it.
  const base = c.deps.platform.topology.httpBaseUrl(c.entryRegion, 'gateway');
  return {
    File: [
      {
        URL: `${base}/v1/msg_history/${token}/${c.sdkAppId}_${chatType}_${msgTimeOf(hourStart)}.gz`,
        ExpireTime: dateTime(expiresAt),
        FileSize: info.fileSize,
        FileMD5: info.fileMd5,
        GzipSize: info.gzipSize,
        GzipMD5: info.gzipMd5,
      },
    ],
  };
}

/** v4/open_msg_svc/get_history (Tencent's limit: 10 calls per second). */
export const HISTORY_COMMANDS: EdgeRow[] = [
  runRow({
    rest: 'open_msg_svc/get_history',
    service: 'chat',
    rate: 10,
    schema: getHistorySchema,
    doc: '`ChatType` (`C2C` \\| `Group`), `MsgTime` (`YYYYMMDDHH`, one **UTC** hour; Tencent uses Beijing time) → `File:[{URL, ExpireTime, FileSize, FileMD5, GzipSize, GzipMD5}]`: a gzip file in Tencent\'s format (first line `{"SdkAppId","ChatType","MsgTime","MsgList":[`, one message per line — `From_Account`, `To_Account` or `GroupId`, `MsgTimestamp`, `MsgSeq`, `MsgRandom`, `MsgBody`, `CloudCustomData` when set — then `]}`; recalled messages and group tips left out), downloaded with `GET` from the URL, which needs no UserSig and expires after `MERIDIAN_HISTORY_URL_TTL_S` (1 h; `ExpireTime` in UTC). 1002 bad `ChatType`/`MsgTime`, 1004 the hour has not ended or holds no message, 1005 older than the retention (the app\'s roaming days for C2C, `MERIDIAN_GROUP_ROAMING_DAYS` for groups), 1003 system error; a download with a bad token gets HTTP 403 with 1001, an expired one 403 with 1005, one whose hour changed since (checked against size and MD5 before any byte is sent) 409 with 1004; URLs are signed with `MERIDIAN_HISTORY_URL_SECRET` (no default; `npm start` makes one); 10/s',
    run: (c, i) => getHistory(c, i.ChatType!, i.MsgTime),
  }),
];
