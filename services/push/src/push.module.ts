import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, appDataPurge, type PlatformConfig } from '@meridian/platform';
import { AudienceRepository } from './audience/audience.repository';
import { AttrNamesDoc, AttrNamesSchema, UserAudienceDoc, UserAudienceSchema } from './audience/audience.schema';
import { AudienceService } from './audience/audience.service';
import { BroadcastRepository } from './broadcast/broadcast.repository';
import { BroadcastDoc, BroadcastSchema } from './broadcast/broadcast.schema';
import { BroadcastService } from './broadcast/broadcast.service';
import { OfflinePushService } from './offline/offline-push.service';
import { OfflineRepository } from './offline/offline.repository';
import { DeviceTokenDoc, DeviceTokenSchema, ProviderConfigDoc, ProviderConfigSchema } from './offline/offline.schema';
import { ApnsProvider } from './offline/providers/apns.provider';
import { FcmProvider } from './offline/providers/fcm.provider';
import { WebhookProvider } from './offline/providers/webhook.provider';
import { PUSH_CONFIG, loadPushConfig } from './push.config';
import { PushGrpcController } from './push.grpc.controller';
import { DeliveryRouter } from './routing/delivery-router.service';
import { PushEventsController } from './routing/push.events.controller';

/**
 * Root module of the push service: routing of deliveries and kicks to exact gateway instances,
 * offline push (APNs, FCM, webhook), push audiences (attributes, tags) and paced pushes to all users.
 */
@Module({})
export class PushModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: PushModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.deliveries, TOPICS.sessionKicked, TOPICS.broadcasts, TOPICS.appChanges] }),
        MongooseModule.forFeature([
          { name: AttrNamesDoc.name, schema: AttrNamesSchema },
          { name: UserAudienceDoc.name, schema: UserAudienceSchema },
          { name: BroadcastDoc.name, schema: BroadcastSchema },
          { name: DeviceTokenDoc.name, schema: DeviceTokenSchema },
          { name: ProviderConfigDoc.name, schema: ProviderConfigSchema },
        ]),
      ],
      controllers: [PushGrpcController],
      providers: [
        { provide: PUSH_CONFIG, useValue: loadPushConfig(env) },
        // A deleted app's data: its documents, and the Redis families of push.keys.ts.
        ...appDataPurge({ keyFamilies: ['bc:gap', 'bc:day'] }),
        ApnsProvider,
        FcmProvider,
        WebhookProvider,
        OfflineRepository,
        OfflinePushService,
        DeliveryRouter,
        AudienceRepository,
        AudienceService,
        BroadcastRepository,
        BroadcastService,
        PushEventsController,
      ],
    };
  }
}
