import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TOPICS, mediaKeys, userFolder, type MediaMeta, type MediaType } from '@meridian/contracts';
import { EventBus, Metrics, ObjectStorage, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { Histogram } from 'prom-client';
import { CALLBACK_CONFIG, type CallbackConfig } from '../callback.config';
import { firstFrame, hasFfmpeg, imageVariants } from './media-variants';

/**
 * The media worker: for every confirmed upload (gateway.media-objects.v1) it makes what Tencent's
 * messages carry besides the original (an image's 720 px and 198 px pictures with their sizes, a
 * video's first frame when ffmpeg is installed) and writes them beside the object with
 * `<name>.meta.json`, which the gateway's media.info reads. It also deletes a deleted account's
 * objects. It runs in the callback service because that is the platform's asynchronous worker: it
 * consumes Kafka off every request's path, so a burst of resizes (CPU-heavy) delays neither a send
 * (chat), a delivery (push) nor a connection (gateway), and it scales on its own.
 * Idempotent: a record handled twice writes the same variants again.
 */
@Injectable()
export class MediaWorker implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MediaWorker.name);
  private readonly storage: ObjectStorage | undefined;
  private readonly latency: Histogram<'type'>;

  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(PLATFORM_CONFIG) private readonly platform: PlatformConfig,
    @Inject(CALLBACK_CONFIG) private readonly config: CallbackConfig,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.storage = platform.storage ? new ObjectStorage(platform.storage) : undefined;
    this.latency = new Histogram({
      name: 'meridian_callback_media_variants_seconds',
      help: "Time from a confirmed upload's event to its variants stored, by media type",
      labelNames: ['type'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    if (!this.storage) return;
    // From the beginning when the group is new: an object confirmed before this group first
    // joined (a fresh deployment's first uploads) would otherwise never get its variants.
    this.bus.subscribe({ name: 'media-variants', topics: [TOPICS.mediaObjects], fromBeginning: true, partitionsConcurrently: this.config.MERIDIAN_MEDIA_WORKER_CONCURRENCY, handler: async ({ envelope }) => {
      const e = envelope.mediaObjectConfirmed;
      if (!e) return;
      await this.process(e.key, e.mediaType as MediaType, e.contentType, Number(e.size));
      this.latency.observe({ type: e.mediaType }, Math.max(0, Date.now() - Number(envelope.timeMs)) / 1000);
    } });
    this.bus.subscribe({ name: 'media-accounts-deleted', topics: [TOPICS.accountsDeleted], handler: async ({ envelope }) => {
      const deleted = envelope.accountsDeleted;
      if (deleted) await this.forget(envelope.sdkAppId, deleted.userIds);
    } });
  }

  /** Makes and stores the variants of one object, and its meta.json (status failed when the bytes defeat the tools). */
  async process(key: string, type: MediaType, contentType: string, size: number): Promise<MediaMeta> {
    const storage = this.storage!;
    const [app, user, name] = key.split('/') as [string, string, string];
    const keys = mediaKeys(`${app}/${user}`, name);
    const meta: MediaMeta = { status: 'ready', type, size, contentType };
    if (type === 'image') {
      const bytes = await storage.read(key);
      if (!bytes) return meta; // deleted meanwhile (recall, account deletion): nothing to make
      try {
        const v = await imageVariants(bytes, this.config.MERIDIAN_MEDIA_MAX_PIXELS);
        await storage.put(keys.large, v.large.bytes, v.large.contentType);
        await storage.put(keys.thumb, v.thumb.bytes, v.thumb.contentType);
        meta.original = v.original;
        meta.large = { width: v.large.width, height: v.large.height, size: v.large.size, format: v.large.format };
        meta.thumb = { width: v.thumb.width, height: v.thumb.height, size: v.thumb.size, format: v.thumb.format };
      } catch (err) {
        meta.status = 'failed';
        meta.missing = `variants: ${(err as Error).message}`;
      }
    } else if (type === 'video') {
      if (!(await hasFfmpeg())) {
        meta.missing = 'thumb: ffmpeg is not installed';
      } else {
        try {
          const frame = await firstFrame(await storage.presignGet(key, 300, undefined, true), this.config.MERIDIAN_MEDIA_FFMPEG_TIMEOUT_MS);
          const v = await imageVariants(frame, this.config.MERIDIAN_MEDIA_MAX_PIXELS);
          await storage.put(keys.thumb, frame, 'image/jpeg');
          meta.thumb = { ...v.original, size: frame.length, format: 'jpeg' };
        } catch (err) {
          meta.missing = `thumb: ${(err as Error).message}`;
        }
      }
    }
    if (meta.missing) this.logger.warn({ key, type, missing: meta.missing }, 'media variant missing');
    await storage.put(keys.meta, Buffer.from(JSON.stringify(meta)), 'application/json');
    return meta;
  }

  /**
   * Deletes every object of these users. Objects live in the home region's store (this one);
   * every region's prefix of a shared bucket is cleared too, for objects stored before uploads
   * went to the home region (through another region's gateway they went to that region's prefix).
   */
  async forget(sdkAppId: number, userIds: string[]): Promise<number> {
    const storage = this.storage;
    if (!storage) return 0;
    let n = 0;
    const prefixes = this.platform.topology.regionNames().map((r) => this.platform.topology.region(r).redisKeyPrefix.replace(/:/g, '/'));
    for (const userId of userIds) {
      for (const prefix of prefixes) n += await storage.deletePrefix(`${prefix}${userFolder(sdkAppId, userId)}/`, true);
    }
    if (n) this.logger.log({ sdkAppId, accounts: userIds.length, objects: n }, 'deleted accounts\' media');
    return n;
  }

  /** Deletes every media object of a deleted app, whichever region's prefix the upload entered. */
  async forgetApp(sdkAppId: number): Promise<number> {
    const storage = this.storage;
    if (!storage) return 0;
    let n = 0;
    for (const r of this.platform.topology.regionNames()) n += await storage.deletePrefix(`${this.platform.topology.region(r).redisKeyPrefix.replace(/:/g, '/')}${sdkAppId}/`, true);
    if (n) this.logger.log({ sdkAppId, objects: n }, 'deleted app\'s media');
    return n;
  }

  onApplicationShutdown(): void {
    this.storage?.destroy();
  }
}
