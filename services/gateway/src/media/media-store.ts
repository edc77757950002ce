import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MediaErrorCode, MeridianError } from '@meridian/contracts';
import { ObjectStorage, PLATFORM_CONFIG, type PlatformConfig } from '@meridian/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/**
 * The gateway's object store, when one is configured. The bucket (and its roaming-period expiry
 * rule) is prepared at start; a store that is down then is tried again on the first upload, so the
 * gateway starts and serves everything else without it.
 */
@Injectable()
export class MediaStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MediaStore.name);
  private readonly storage: ObjectStorage | undefined;
  private prepared: Promise<void> | undefined;

  constructor(
    @Inject(PLATFORM_CONFIG) platform: PlatformConfig,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.storage = platform.storage ? new ObjectStorage(platform.storage) : undefined;
  }

  onModuleInit(): void {
    if (!this.storage) {
      this.logger.warn('no object store configured (MERIDIAN_S3_*): media uploads answer 2040');
      return;
    }
    void this.ready().catch(() => undefined);
  }

  /** The store, its bucket prepared; 2040 without one. */
  async get(): Promise<ObjectStorage> {
    if (!this.storage) throw new MeridianError(MediaErrorCode.NOT_CONFIGURED, 'this platform has no object store for media');
    await this.ready();
    return this.storage;
  }

  private ready(): Promise<void> {
    const storage = this.storage!;
    this.prepared ??= storage.prepareBucket(this.config.MERIDIAN_MEDIA_EXPIRE_DAYS).catch((err: unknown) => {
      this.prepared = undefined;
      this.logger.error({ bucket: storage.config.bucket, error: (err as Error).message }, 'object store not ready');
      throw new MeridianError(MediaErrorCode.NOT_CONFIGURED, 'the object store is not reachable; try again');
    });
    return this.prepared;
  }

  onApplicationShutdown(): void {
    this.storage?.destroy();
  }
}
