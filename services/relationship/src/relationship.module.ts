import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, appDataPurge, type PlatformConfig } from '@meridian/platform';
import { AccountsModule } from './accounts/accounts.module';
import { BlacklistModule } from './blacklist/blacklist.module';
import { FriendsModule } from './friends/friends.module';
import { ProfilesModule } from './profiles/profiles.module';

/**
 * Root module of the relationship service: profiles, friends and blacklists. Each
 * area is its own module with its own gRPC controller serving its RPCs of RelationshipService;
 * AccountsModule drops a deleted account's data from all three.
 */
@Module({})
export class RelationshipModule {
  static register(config: PlatformConfig): DynamicModule {
    return {
      module: RelationshipModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.relationshipChanges, TOPICS.deliveries, TOPICS.accountsDeleted, TOPICS.appChanges] }),
        ProfilesModule,
        FriendsModule,
        BlacklistModule,
        AccountsModule,
      ],
      // A deleted app's data: its documents (it keeps nothing in Redis).
      providers: [...appDataPurge({ keyFamilies: [] })],
    };
  }
}
