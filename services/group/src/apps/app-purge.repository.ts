import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { EventBus, GrpcClients, RedisClient, purgeAppDocuments, purgeAppKeys, subscribeAppPurge } from '@meridian/platform';

/** Redis key families (group.keys.ts) named "<family>:<sdkAppId>…": one app's keys. */
const KEY_FAMILIES = ['seq', 'rate', 'dedupe', 'live', 'liverooms', 'livegw', 'livegwfail', 'memberver', 'livetip'] as const;

/** Storage side of app deletion (a repository: it alone reaches Redis and MongoDB for it). Purges a deleted app's data held by the group service (groups, members, mutes, applications, messages, settings, sequences, AVChatRoom audiences) and reports it to auth. */
@Injectable()
export class GroupAppPurge implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @Inject(RedisClient) private readonly redis: RedisClient,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  onModuleInit(): void {
    subscribeAppPurge(this.bus, this.clients, 'group', async (sdkAppId) => (await purgeAppDocuments(this.connection, sdkAppId)) + (await purgeAppKeys(this.redis, KEY_FAMILIES, sdkAppId)));
  }
}
