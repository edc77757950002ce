import { Module } from '@nestjs/common';
import { BlacklistModule } from '../blacklist/blacklist.module';
import { FriendsModule } from '../friends/friends.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { AccountsEventsController } from './accounts.events.controller';

/** Deleted accounts (auth's AccountsDeletedEvent): their profiles, friends and blacklists go too. */
@Module({
  imports: [ProfilesModule, FriendsModule, BlacklistModule],
  providers: [AccountsEventsController],
})
export class AccountsModule {}
