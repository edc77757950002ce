import { Module, type DynamicModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { AudienceRepository } from './audience/audience.repository';
import { AttrNamesDoc, AttrNamesSchema, UserAudienceDoc, UserAudienceSchema } from './audience/audience.schema';
import { AudienceService } from './audience/audience.service';
import { BroadcastRepository } from './broadcast/broadcast.repository';
import { BroadcastDoc, BroadcastSchema } from './broadcast/broadcast.schema';
import { BroadcastService } from './broadcast/broadcast.service';
import { PUSH_CONFIG, loadPushConfig } from './push.config';
import { PushGrpcController } from './push.grpc.controller';
import { DeliveryRouter } from './routing/delivery-router.service';
import { PushEventsController } from './routing/push.events.controller';

/**
 * Root module of the push service: routing of deliveries and kicks to exact gateway instances,
 * push audiences (attributes, tags) and paced pushes to all users.
 */
@Module({})
export class PushModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: PushModule,
      imports: [
        PlatformModule.register(config, { topics: [TOPICS.deliveries, TOPICS.sessionKicked, TOPICS.broadcasts] }),
        MongooseModule.forFeature([
          { name: AttrNamesDoc.name, schema: AttrNamesSchema },
          { name: UserAudienceDoc.name, schema: UserAudienceSchema },
          { name: BroadcastDoc.name, schema: BroadcastSchema },
        ]),
      ],
      controllers: [PushGrpcController],
      providers: [
        { provide: PUSH_CONFIG, useValue: loadPushConfig(env) },
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
