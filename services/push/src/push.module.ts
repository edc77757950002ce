import { Module, type DynamicModule } from '@nestjs/common';
import { TOPICS } from '@meridian/contracts';
import { PlatformModule, type PlatformConfig } from '@meridian/platform';
import { PUSH_CONFIG, loadPushConfig } from './push.config';
import { DeliveryRouter } from './routing/delivery-router.service';
import { PushEventsController } from './routing/push.events.controller';

/** Root module of the push service: routing of deliveries and kicks to exact gateway instances. */
@Module({})
export class PushModule {
  static register(config: PlatformConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: PushModule,
      imports: [PlatformModule.register(config, { topics: [TOPICS.deliveries, TOPICS.sessionKicked] })],
      providers: [{ provide: PUSH_CONFIG, useValue: loadPushConfig(env) }, DeliveryRouter, PushEventsController],
    };
  }
}
