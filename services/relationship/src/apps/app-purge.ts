import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { EventBus, GrpcClients, purgeAppDocuments, subscribeAppPurge } from '@meridian/platform';

/**
 * Purges a deleted app's data held by the relationship service (profiles, profile fields,
 * friends, friend requests, blacklists; it keeps nothing in Redis) and reports it to auth.
 */
@Injectable()
export class RelationshipAppPurge implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(GrpcClients) private readonly clients: GrpcClients,
    @InjectConnection() private readonly connection: Connection,
  ) {}

  onModuleInit(): void {
    subscribeAppPurge(this.bus, this.clients, 'relationship', (sdkAppId) => purgeAppDocuments(this.connection, sdkAppId));
  }
}
