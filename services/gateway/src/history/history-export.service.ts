import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, MeridianError } from '@meridian/contracts';
import { GrpcClients } from '@meridian/platform';
import type { chatV1, groupV1 } from '@meridian/proto';
import { HomeRegions } from '../access/home-regions.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import type { HistoryChatType } from './history-token';

export const HOUR_S = 3600;

/** What get_history tells about a file (Tencent's File item, without URL and expiry). */
export interface HistoryFileInfo {
  records: number;
  fileSize: number;
  fileMd5: string;
  gzipSize: number;
  gzipMd5: string;
}

/** "YYYYMMDDHH" of a UTC hour start (unix seconds). */
export const msgTimeOf = (hourStart: number) => new Date(hourStart * 1000).toISOString().slice(0, 13).replace(/[-T]/g, '');

/** A "YYYYMMDDHH" that names a real UTC hour, as its start in unix seconds; undefined otherwise. */
export function parseMsgTime(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h] = m.slice(1).map(Number) as [number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h);
  // Date.UTC rolls 2024-02-30 over into March: a round trip rejects such dates.
  return msgTimeOf(ms / 1000) === value ? ms / 1000 : undefined;
}

/**
 * Produces get_history files: Tencent's format (a first line with SdkAppId, ChatType, MsgTime and
 * the opening of MsgList, one message per line ending with ',' but the last, then "]}"), gzipped.
 * The messages come page by page from the owning service of the app's home region (chat for C2C,
 * group for Group) over gRPC, so memory stays at one page whatever the hour holds. The same
 * stream is produced twice: once to measure it for get_history (sizes and MD5s) and once for the
 * download, whose bytes are checked against what get_history announced before any is sent.
 */
@Injectable()
export class HistoryExportService {
  private readonly logger = new Logger(HistoryExportService.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(HomeRegions) private readonly homes: HomeRegions,
  ) {}

  /** Measures the hour's file; HISTORY_NOT_READY when it holds no message, HISTORY_EXPIRED past retention. */
  async describe(sdkAppId: number, chatType: HistoryChatType, hourStart: number): Promise<HistoryFileInfo> {
    const counter = { records: 0 };
    const raw = new Measure();
    const gz = new Measure();
    await pipeline(Readable.from(this.lines(sdkAppId, chatType, hourStart, counter)), raw, createGzip({ level: 6 }), gz, discard());
    if (counter.records === 0) throw new MeridianError(ErrorCode.HISTORY_NOT_READY, `no ${chatType} messages in ${msgTimeOf(hourStart)}`);
    return { records: counter.records, fileSize: raw.size, fileMd5: raw.md5(), gzipSize: gz.size, gzipMd5: gz.md5() };
  }

  /**
   * Produces the gzip file into a private temporary file and checks it against the announced size
   * and MD5 before the caller sends a byte. When the hour changed since get_history (a recall, an
   * import into the past) the download is refused with an error answer instead of a file that
   * does not match its description, or a connection cut short halfway. Memory stays at one page:
   * the file is on disk, not in memory. The caller removes the file with `release`.
   */
  async produceVerified(sdkAppId: number, chatType: HistoryChatType, hourStart: number, expect: { gzipSize: number; gzipMd5: string }): Promise<VerifiedFile> {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-history-'));
    const path = join(dir, 'file.gz');
    const gz = new Measure();
    try {
      await pipeline(Readable.from(this.lines(sdkAppId, chatType, hourStart, { records: 0 })), createGzip({ level: 6 }), gz, new Limit(expect.gzipSize), createWriteStream(path, { mode: 0o600 }));
      if (gz.size !== expect.gzipSize || gz.md5() !== expect.gzipMd5) throw new FileChanged();
      return { path, size: gz.size, release: () => rm(dir, { recursive: true, force: true }) };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private async *lines(sdkAppId: number, chatType: HistoryChatType, hourStart: number, counter: { records: number }): AsyncGenerator<Buffer> {
    yield Buffer.from(`${JSON.stringify({ SdkAppId: sdkAppId, ChatType: chatType, MsgTime: msgTimeOf(hourStart) }).slice(0, -1)},"MsgList":[\n`);
    // One record is held so that the last can go out without its trailing comma.
    let held: string | undefined;
    for await (const record of this.records(sdkAppId, chatType, hourStart)) {
      if (held !== undefined) yield Buffer.from(`${held},\n`);
      held = record;
      counter.records++;
    }
    yield Buffer.from(held !== undefined ? `${held}\n]}\n` : ']}\n');
  }

  private async *records(sdkAppId: number, chatType: HistoryChatType, hourStart: number): AsyncGenerator<string> {
    const home = await this.homes.of(sdkAppId);
    const request = (cursor: string) => ({ sdkAppId, hourStart: String(hourStart), cursor, limit: this.config.MERIDIAN_HISTORY_PAGE_SIZE });
    // One page of records in Tencent's shape: the peer (To_Account or GroupId), then what both share.
    const page =
      chatType === 'C2C'
        ? async (cursor: string) => {
            const p = await this.clients.service<chatV1.ChatServiceClient>('chat', home).listHourMessages(request(cursor));
            return { ...p, retention: "the app's message retention", records: p.messages.map((m) => ({ From_Account: m.fromAccount, To_Account: m.toAccount, ...shared(m) })) };
          }
        : async (cursor: string) => {
            const p = await this.clients.service<groupV1.GroupServiceClient>('group', home).listHourMessages(request(cursor));
            return { ...p, retention: 'the group message retention', records: p.messages.map((m) => ({ From_Account: m.fromAccount, GroupId: m.groupId, ...shared(m) })) };
          };
    let cursor = '';
    do {
      const p = await page(cursor);
      if (p.expired) throw new MeridianError(ErrorCode.HISTORY_EXPIRED, `${msgTimeOf(hourStart)} is older than ${p.retention}`);
      for (const r of p.records) yield JSON.stringify(r);
      cursor = p.nextCursor;
    } while (cursor);
  }

  logMismatch(sdkAppId: number, chatType: HistoryChatType, hourStart: number, err: Error): void {
    this.logger.warn({ sdkAppId, chatType, msgTime: msgTimeOf(hourStart), error: err.message }, 'history download cut short');
  }
}

/** The fields of an exported record that 1:1 and group messages share. */
function shared(m: { msgTime: string; msgSeq: string; msgRandom: number; msgBody: Uint8Array; cloudCustomData: string }) {
  return {
    MsgTimestamp: Number(m.msgTime),
    MsgSeq: Number(m.msgSeq),
    MsgRandom: m.msgRandom,
    MsgBody: parseJson(m.msgBody),
    ...(m.cloudCustomData ? { CloudCustomData: m.cloudCustomData } : {}),
  };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
  } catch {
    return [];
  }
}

/** Passes bytes through, counting them and hashing them with MD5. */
class Measure extends Transform {
  size = 0;
  private readonly hash: Hash = createHash('md5');

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  md5(): string {
    return this.hash.digest('hex');
  }
}

/** Stops a file that grows past its announced size before it fills the disk. */
class Limit extends Transform {
  private size = 0;
  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.max) return done(new FileChanged());
    done(null, chunk);
  }
}

/** The hour's file no longer matches what get_history announced. */
export class FileChanged extends MeridianError {
  constructor() {
    super(ErrorCode.HISTORY_NOT_READY, 'the file changed since get_history described it (a message of that hour was imported or recalled); call get_history again');
  }
}

/** A produced, checked file on disk. */
export interface VerifiedFile {
  path: string;
  size: number;
  release(): Promise<void>;
}

const discard = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });
