import { Module } from '@nestjs/common';
import { FriendsModule } from '../friends/friends.module';
import { BlacklistStoreModule } from './blacklist-store.module';
import { BlacklistGrpcController } from './blacklist.grpc.controller';
import { BlacklistService } from './blacklist.service';

/** Blacklists: add (which ends the friendship), delete, list, check, and the send check chat asks for. */
@Module({
  imports: [BlacklistStoreModule, FriendsModule],
  controllers: [BlacklistGrpcController],
  providers: [BlacklistService],
  exports: [BlacklistService],
})
export class BlacklistModule {}
