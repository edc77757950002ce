import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { EventBus, GrpcClients, RedisClient, purgeAppDocuments, purgeAppKeys, subscribeAppPurge } from '@meridian/platform';
import { MediaWorker } from '../media/media.worker';

/** Redis key families (callback.keys.ts) named "<family>:<sdkAppId>…": one app's keys. */
const KEY_FAMILIES = ['media:msg'] as const;

/**
 * Purges a deleted app's data held by the callback service (queued retries, dead letters, the
 * media index of messages) and the app's media objects in the object store, then reports to auth.
 */
@Injectable()
export class CallbackAppPurge implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(MediaWorker) private readonly media: MediaWorker,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  onModuleInit(): void {
    subscribeAppPurge(this.bus, this.clients, 'callback', async (sdkAppId) =>
      (await purgeAppDocuments(this.connection, sdkAppId)) + (await purgeAppKeys(this.redis, KEY_FAMILIES, sdkAppId)) + (await this.media.forgetApp(sdkAppId)),
    );
  }
}
