import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { BlacklistModule } from './blacklist/blacklist.module';
import { FriendsModule } from './friends/friends.module';
import { ProfilesModule } from './profiles/profiles.module';

/**
 * Root module of the relationship service: profiles, friends and blacklists. Each
 * area is its own module with its own gRPC controller serving its RPCs of RelationshipService.
 */
@Module({})
export class RelationshipModule {
  static register(config: PlatformConfig): DynamicModule {
    return {
      module: RelationshipModule,
      imports: [PlatformModule.register(config, { topics: [TOPICS.relationshipChanges, TOPICS.deliveries] }), ProfilesModule, FriendsModule, BlacklistModule],
    };
  }
}
