import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { EventBus } from '@meridian/platform';
import { BlacklistService } from '../blacklist/blacklist.service';
import { FriendsService } from '../friends/friends.service';
import { ProfilesService } from '../profiles/profiles.service';

/**
 * account_delete (Tencent: "deletes profile & relationship data"): auth publishes the deleted
 * accounts and this service drops what it holds for them. Every step is an idempotent delete,
 * so a record handled twice (at least once delivery) changes nothing more.
 */
@Injectable()
export class AccountsEventsController implements OnModuleInit {
  constructor(
    @Inject(EventBus) private readonly bus: EventBus,
    @Inject(ProfilesService) private readonly profiles: ProfilesService,
    @Inject(FriendsService) private readonly friends: FriendsService,
    @Inject(BlacklistService) private readonly blacklist: BlacklistService,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe({
      name: 'accounts-deleted',
      topics: [TOPICS.accountsDeleted],
      handler: async ({ envelope }) => {
        const deleted = envelope.accountsDeleted;
        if (!deleted) return;
        await this.profiles.forget(envelope.sdkAppId, deleted.userIds);
        for (const userId of deleted.userIds) {
          await this.friends.forget(envelope.sdkAppId, userId);
          await this.blacklist.forget(envelope.sdkAppId, userId);
        }
      },
    });
  }
}
