import { Inject, Injectable, Logger, type OnModuleInit, type Provider } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { TOPICS, type ServiceName } from '@meridian/contracts';
import type { authV1 } from '@meridian/proto';
import type { Connection } from 'mongoose';
import { PLATFORM_CONFIG, type PlatformConfig } from '../config/platform-config';
import { GrpcClients } from '../grpc/clients';
import { EventBus } from '../kafka/event-bus';
import { RedisClient } from '../redis/redis';

/** The services that hold app data and purge it when the app is deleted (auth waits for each). */
export const APP_DATA_SERVICES: readonly ServiceName[] = ['auth', 'chat', 'group', 'relationship', 'push', 'callback'];

/**
 * Deletes every document of one app from every collection of the service's own database. Each
 * collection names its app either in an `sdkAppId` field, or as the `_id` itself (per-app
 * settings), or as the `_id`'s first segment ("<sdkAppId>:…", the house key scheme); the
 * deletion covers all three. `keep` names collections left alone (auth's record of the deletion).
 * Returns how many documents went.
 */
export async function purgeAppDocuments(connection: Connection, sdkAppId: number, keep: readonly string[] = []): Promise<number> {
  const db = connection.db;
  if (!db) throw new Error('no database connection');
  let removed = 0;
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.') || keep.includes(c.name)) continue;
    const r = await db.collection(c.name).deleteMany({ $or: [{ sdkAppId }, { _id: sdkAppId as never }, { _id: { $regex: `^${sdkAppId}:` } as never }] });
    removed += r.deletedCount;
  }
  return removed;
}

/**
 * Deletes the service's Redis keys of one app: keys named "<family>:<sdkAppId>" or
 * "<family>:<sdkAppId>:…" for the given families (from the service's <service>.keys.ts).
 * Returns how many keys went.
 */
export async function purgeAppKeys(client: RedisClient, families: readonly string[], sdkAppId: number): Promise<number> {
  const redis = client.redis;
  const prefix = redis.options.keyPrefix ?? '';
  let removed = 0;
  for (const family of families) {
    removed += await redis.del(`${family}:${sdkAppId}`);
    let cursor = '0';
    do {
      // SCAN sees full key names; DEL takes them without the client's prefix (ioredis adds it).
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}${family}:${sdkAppId}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) removed += await redis.del(...keys.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
  }
  return removed;
}

/**
 * Subscribes a service to app deletions: on auth's AppChangedEvent "deleted" it runs `purge`
 * (idempotent deletes, so a replayed record changes nothing more) and reports to the home
 * region's auth how many records it removed. A failure is retried by the bus (the record is not
 * committed), so a deletion's progress only ever moves forward.
 */
export function subscribeAppPurge(bus: EventBus, clients: GrpcClients, service: ServiceName, purge: (sdkAppId: number) => Promise<number>): void {
  const logger = new Logger(`AppPurge:${service}`);
  bus.subscribe({
    name: 'app-purge',
    topics: [TOPICS.appChanges],
    handler: async ({ envelope }) => {
      if (envelope.appChanged?.what !== 'deleted') return;
      const sdkAppId = envelope.sdkAppId;
      const removed = await purge(sdkAppId);
      logger.log({ sdkAppId, removed }, 'deleted app purged');
      await clients.service<authV1.AuthServiceClient>('auth').reportAppPurge({ sdkAppId, service, removed: String(removed) });
    },
  });
}

/** What one service's purge deletes besides every document of the app in its own database. */
export interface AppPurgeOptions {
  /** Redis key families (the service's <service>.keys.ts) named "<family>:<sdkAppId>…". */
  keyFamilies: readonly string[];
  /** Anything else the service holds for the app (the callback service: its media objects). */
  extra?: (sdkAppId: number) => Promise<number>;
}

const APP_PURGE_OPTIONS = Symbol('APP_PURGE_OPTIONS');

/**
 * A service's part of an app deletion: on auth's AppChangedEvent "deleted" it deletes the app's
 * documents, its Redis key families and `extra`, and reports to auth (subscribeAppPurge).
 * Registered with `appDataPurge(...)`.
 */
@Injectable()
export class AppDataPurge implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Inject(APP_PURGE_OPTIONS) private readonly options: AppPurgeOptions,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  onModuleInit(): void {
    const { keyFamilies, extra } = this.options;
    subscribeAppPurge(this.bus, this.clients, this.config.service, async (sdkAppId) => {
      let removed = await purgeAppDocuments(this.connection, sdkAppId);
      if (keyFamilies.length) removed += await purgeAppKeys(this.redis, keyFamilies, sdkAppId);
      if (extra) removed += await extra(sdkAppId);
      return removed;
    });
  }
}

/** The providers of a service's AppDataPurge: options given, or made by a factory from other providers. */
export function appDataPurge(options: AppPurgeOptions | { useFactory: (...deps: never[]) => AppPurgeOptions; inject: unknown[] }): Provider[] {
  const optionsProvider: Provider =
    'useFactory' in options
      ? { provide: APP_PURGE_OPTIONS, useFactory: options.useFactory as (...deps: unknown[]) => AppPurgeOptions, inject: options.inject as never[] }
      : { provide: APP_PURGE_OPTIONS, useValue: options };
  return [optionsProvider, AppDataPurge];
}
