import { Module } from '@nestjs/common';
import { BlacklistStoreModule } from '../blacklist/blacklist-store.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { FriendsStoreModule } from './friends-store.module';
import { FriendsGrpcController } from './friends.grpc.controller';
import { FriendsService } from './friends.service';

/** Friends: requests with verification, lists, check, friend lists. */
@Module({
  imports: [FriendsStoreModule, BlacklistStoreModule, ProfilesModule],
  controllers: [FriendsGrpcController],
  providers: [FriendsService],
  exports: [FriendsService],
})
export class FriendsModule {}
