import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  MAGIC_BYTES,
  MEDIA_CONTENT_TYPES,
  MEDIA_KEY,
  MEDIA_LIMITS,
  MEDIA_TYPES,
  MediaErrorCode,
  MeridianError,
  TOPICS,
  bytesMatch,
  cleanFileName,
  keyOfUuid,
  mediaElement,
  mediaKeys,
  userFolder,
  uuidOfKey,
  type MediaMeta,
  type MediaType,
  type MediaVariant,
} from '@meridian/contracts';
import { EventBus, PLATFORM_CONFIG, type ObjectStorage, type PlatformConfig, type PresignedRequest } from '@meridian/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { MediaStore } from './media-store';
import { MediaUploads, type UploadGrant } from './media-uploads.repository';

/** Who asks: a logged-in user (WebSocket) or an app backend on a user's behalf (REST). */
export interface MediaCaller {
  sdkAppId: number;
  userId: string;
  /** The region whose gateways the client reaches (download URLs point there). */
  region: string;
}

export interface UploadRequest {
  type: unknown;
  size: unknown;
  contentType: unknown;
  fileName?: unknown;
}

export interface UploadAnswer {
  uploadId: string;
  uuid: string;
  expiresAt: number;
  /** A single PUT, or… */
  put?: PresignedRequest;
  /** …the parts of a multipart upload, each a PUT of `size` bytes. */
  parts?: (PresignedRequest & { partNumber: number; size: number })[];
}

const bad = (message: string) => new MeridianError(MediaErrorCode.INVALID_PARAMETERS, message);
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/**
 * Uploads of media objects (docs/media.md): a grant names one key under the caller's own folder,
 * one size and one content type, and is presigned for minutes; confirming it checks what the
 * store holds (size, leading bytes) and announces it to the media worker; whatever fails a check
 * is deleted, so a refused upload stores nothing.
 */
@Injectable()
export class MediaService {
  private readonly logger = new Logger(MediaService.name);

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(MediaStore) private readonly store: MediaStore,
    @Inject(MediaUploads) private readonly uploads: MediaUploads,
    @Inject(EventBus) private readonly bus: EventBus,
  ) {}

  async requestUpload(caller: MediaCaller, req: UploadRequest): Promise<UploadAnswer> {
    const type = req.type;
    if (typeof type !== 'string' || !(MEDIA_TYPES as readonly string[]).includes(type)) throw bad(`type must be one of ${MEDIA_TYPES.join(', ')}`);
    const t = type as MediaType;
    const limits = MEDIA_LIMITS[t];
    const size = req.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw bad('size must be the byte count of the file');
    if (size === 0) throw new MeridianError(MediaErrorCode.EMPTY_FILE, 'an empty file cannot be sent');
    if (size > limits.maxBytes) throw new MeridianError(limits.tooLarge, `a ${t} may be at most ${limits.maxBytes / 1024 / 1024} MB`);
    const contentType = typeof req.contentType === 'string' ? req.contentType.toLowerCase() : '';
    if (!CONTENT_TYPE.test(contentType)) throw bad('contentType must be a MIME type such as image/png');
    if (t !== 'file' && MEDIA_CONTENT_TYPES[t][contentType] === undefined) {
      throw new MeridianError(limits.badFormat, `a ${t} must be one of ${Object.keys(MEDIA_CONTENT_TYPES[t]).join(', ')}`);
    }
    const fileName = req.fileName === undefined ? undefined : cleanFileName(req.fileName);
    if (req.fileName !== undefined && fileName === undefined) throw bad('fileName must be a file name of 1-255 bytes');

    const storage = await this.store.get();
    const name = randomBytes(16).toString('hex');
    const key = mediaKeys(userFolder(caller.sdkAppId, caller.userId), name).original;
    const uploadId = randomBytes(16).toString('hex');
    const ttl = this.config.MERIDIAN_MEDIA_PUT_TTL_S;
    const grant: UploadGrant = { sdkAppId: caller.sdkAppId, userId: caller.userId, type: t, key, size, contentType, ...(fileName ? { fileName } : {}) };
    const answer: UploadAnswer = { uploadId, uuid: uuidOfKey(key), expiresAt: Math.floor(Date.now() / 1000) + ttl };
    const partBytes = this.config.MERIDIAN_MEDIA_PART_BYTES;
    if (size > partBytes) {
      const storeUploadId = await storage.createMultipart(key, contentType);
      const count = Math.ceil(size / partBytes);
      answer.parts = [];
      for (let i = 1; i <= count; i++) {
        const partSize = i < count ? partBytes : size - partBytes * (count - 1);
        answer.parts.push({ ...(await storage.presignPart(key, storeUploadId, i, partSize, ttl)), partNumber: i, size: partSize });
      }
      grant.multipart = { uploadId: storeUploadId, parts: count };
    } else {
      answer.put = await storage.presignPut(key, contentType, size, ttl);
    }
    // A minute past the presign's expiry to confirm an upload that finished at the last moment.
    await this.uploads.save(uploadId, grant, ttl + 60);
    return answer;
  }

  /**
   * Checks the stored object against its grant and announces it. Answers the message element
   * (`{MsgType, MsgContent}`) to send; images carry their variants once the worker made them
   * (media.info), the original standing in until then.
   */
  async confirm(caller: MediaCaller, uploadId: unknown, second?: unknown): Promise<Record<string, unknown>> {
    if (typeof uploadId !== 'string' || !/^[0-9a-f]{32}$/.test(uploadId)) throw bad('uploadId must be what media.upload answered');
    const seconds = this.seconds(second);
    const grant = await this.uploads.find(uploadId);
    // Another app's or user's grant is answered exactly like an unknown one.
    if (!grant || grant.sdkAppId !== caller.sdkAppId || grant.userId !== caller.userId) {
      throw new MeridianError(MediaErrorCode.NOT_OURS, 'no such upload (unknown, expired, already confirmed or not yours)');
    }
    const storage = await this.store.get();
    const limits = MEDIA_LIMITS[grant.type];
    if (grant.multipart && !(await storage.completeMultipart(grant.key, grant.multipart.uploadId, grant.multipart.parts).catch(() => false))) {
      throw new MeridianError(limits.uploadFailed, 'not every part has been uploaded');
    }
    const head = await storage.head(grant.key);
    if (!head) throw new MeridianError(limits.uploadFailed, 'nothing has been uploaded for this grant yet');
    // From here on the grant is used up, whatever the checks find: one confirm per upload.
    if (!(await this.uploads.take(uploadId))) throw new MeridianError(MediaErrorCode.NOT_OURS, 'this upload has already been confirmed');
    if (head.size !== grant.size) {
      await this.discard(storage, grant);
      throw new MeridianError(limits.tooLarge, `the stored object has ${head.size} bytes, not the ${grant.size} granted`);
    }
    const magic = (await storage.read(grant.key, { start: 0, end: MAGIC_BYTES - 1 })) ?? Buffer.alloc(0);
    if (!bytesMatch(grant.type, grant.contentType, magic)) {
      await this.discard(storage, grant);
      throw new MeridianError(grant.type === 'image' ? MediaErrorCode.BAD_IMAGE : limits.badFormat, `the bytes are not ${grant.contentType}`);
    }
    await this.bus.publish(
      TOPICS.mediaObjects,
      `${grant.sdkAppId}:${grant.userId}`,
      { mediaObjectConfirmed: { key: grant.key, mediaType: grant.type, contentType: grant.contentType, size: String(grant.size), userId: grant.userId } },
      { sdkAppId: grant.sdkAppId },
    );
    return mediaElement({ type: grant.type, uuid: uuidOfKey(grant.key), size: grant.size, contentType: grant.contentType, fileName: grant.fileName, second: seconds, urls: this.urls(caller.region, grant.key) });
  }

  /**
   * The element of a confirmed object by its UUID, with the worker's variants when made (`ready`),
   * `pending` before. Any user of the app may ask: a receiver asks about the sender's objects.
   */
  async info(caller: MediaCaller, uuid: unknown, extra: { fileName?: unknown; second?: unknown } = {}): Promise<{ status: 'pending' | 'ready' | 'failed'; element: Record<string, unknown> }> {
    const key = typeof uuid === 'string' ? keyOfUuid(uuid) : undefined;
    if (!key || !key.startsWith(`${caller.sdkAppId}/`)) throw new MeridianError(MediaErrorCode.NOT_OURS, 'no such object');
    const storage = await this.store.get();
    const head = await storage.head(key);
    if (!head) throw new MeridianError(MediaErrorCode.NOT_OURS, 'no such object');
    const [folderApp, folderUser, name] = key.split('/') as [string, string, string];
    const metaBytes = await storage.read(mediaKeys(`${folderApp}/${folderUser}`, name).meta);
    const meta = metaBytes ? (JSON.parse(metaBytes.toString('utf8')) as MediaMeta) : undefined;
    const type = meta?.type ?? 'file';
    const element = mediaElement({
      type,
      uuid: uuidOfKey(key),
      size: head.size,
      contentType: head.contentType ?? meta?.contentType ?? 'application/octet-stream',
      fileName: cleanFileName(extra.fileName),
      second: this.seconds(extra.second),
      urls: this.urls(caller.region, key),
      meta,
    });
    return { status: meta ? meta.status : 'pending', element };
  }

  /** Where GET /v1/media/<key> sends a client: a short-lived presigned GET, if the object exists. */
  async downloadUrl(key: string): Promise<string | undefined> {
    const m = MEDIA_KEY.exec(key);
    if (!m) return undefined;
    const storage = await this.store.get();
    if (!(await storage.head(key))) return undefined;
    return storage.presignGet(key, this.config.MERIDIAN_MEDIA_GET_TTL_S);
  }

  /** Download addresses: the app's CDN in front of the bucket, or this platform's redirecting gateways. */
  private urls(region: string, key: string): Record<'original' | MediaVariant, string> {
    const cdn = this.platform.storage?.cdnBaseUrl;
    const base = cdn ? `${cdn}/${this.platform.storage!.keyPrefix}` : `${this.platform.topology.httpBaseUrl(region, 'gateway')}/v1/media/`;
    return { original: `${base}${key}`, large: `${base}${key}.large`, thumb: `${base}${key}.thumb` };
  }

  private seconds(v: unknown): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86_400) throw bad('second must be the duration in whole seconds');
    return v;
  }

  private async discard(storage: ObjectStorage, grant: UploadGrant): Promise<void> {
    await storage.delete([grant.key]).catch((err: unknown) => this.logger.error({ sdkAppId: grant.sdkAppId, error: (err as Error).message }, 'could not delete a refused upload'));
  }
}
