import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FriendDoc, FriendMetaDoc, FriendMetaSchema, FriendRequestDoc, FriendRequestSchema, FriendSchema } from './friend.schema';
import { FriendsRepository } from './friends.repository';

/** Friend storage alone, shared by the friends feature and the blacklist (which ends friendships). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: FriendDoc.name, schema: FriendSchema },
      { name: FriendRequestDoc.name, schema: FriendRequestSchema },
      { name: FriendMetaDoc.name, schema: FriendMetaSchema },
    ]),
  ],
  providers: [FriendsRepository],
  exports: [FriendsRepository],
})
export class FriendsStoreModule {}
